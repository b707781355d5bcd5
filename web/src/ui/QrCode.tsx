import { useEffect, useState } from 'react';

/** `text` as a QR code: an SVG made here, shown through a data: URL (no markup injected). */
export function QrCode({ text, alt, className }: { text: string; alt: string; className: string }) {
  const [src, setSrc] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    // Loaded when first needed: most sessions never show a QR code.
    import('qrcode')
      .then((QRCode) => QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 1 }))
      .then((svg) => {
        if (live) setSrc(`data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`);
      })
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [text]);
  return <div className={className}>{src && <img src={src} alt={alt} />}</div>;
}
