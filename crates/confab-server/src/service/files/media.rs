//! What an uploaded file is, and the small pictures Confab makes of images.
//!
//! A file's type is decided from its own first bytes, never from its name or the type
//! the client sent: an HTML page called `cat.png`, shown inline from Confab's origin,
//! would run its scripts there. Only raster images are ever shown inline.
//!
//! An image's header is read first, so a decompression bomb (a small file claiming a
//! vast canvas) is refused before its pixels are allocated; decoding then runs under
//! `image::Limits`, so a header that lies cannot allocate more than it claimed.
//! Thumbnails and avatars are re-encoded, which drops the original's metadata (such as
//! where a photo was taken). All of this is CPU-bound: callers use `spawn_blocking`.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::imageops::FilterType;
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};

/// The raster image types: decoded, thumbnailed and shown inline.
const RASTER_TYPES: [&str; 4] = ["image/png", "image/jpeg", "image/gif", "image/webp"];
const SVG: &str = "image/svg+xml";
const HTML: &str = "text/html";
const TEXT: &str = "text/plain; charset=utf-8";
const BINARY: &str = "application/octet-stream";
const JPEG_QUALITY: u8 = 80;
/// The most bytes a decoded pixel takes (16-bit RGBA, the widest PNG).
const MAX_BYTES_PER_PIXEL: u64 = 8;
/// Room for a decoder's own buffers (rows, tables, palettes) beside the pixels.
const ALLOC_SLACK: u64 = 16 * 1024 * 1024;

/// Content types Confab recognises from a file's first bytes.
pub fn sniff(head: &[u8]) -> String {
    if let Some(markup) = active_markup(head) {
        return markup.to_owned();
    }
    if let Some(kind) = infer::get(head) {
        return kind.mime_type().to_owned();
    }
    if is_text(head) { TEXT } else { BINARY }.to_owned()
}

/// SVG and HTML, which a browser would run scripts in. Checked before `infer`, which
/// takes an SVG with an XML declaration for plain XML and misses a leading BOM.
fn active_markup(head: &[u8]) -> Option<&'static str> {
    let text = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let text = text.trim_ascii_start();
    let starts =
        |tag: &[u8]| text.len() >= tag.len() && text[..tag.len()].eq_ignore_ascii_case(tag);
    const HTML_TAGS: [&[u8]; 5] = [b"<html", b"<script", b"<head", b"<body", b"<iframe"];
    if starts(b"<!doctype html") || HTML_TAGS.iter().any(|tag| starts(tag)) {
        return Some(HTML);
    }
    let has_svg = || text.windows(4).any(|w| w.eq_ignore_ascii_case(b"<svg"));
    if starts(b"<svg") || (starts(b"<?xml") || starts(b"<!doctype svg")) && has_svg() {
        return Some(SVG);
    }
    None
}

/// UTF-8 without NUL bytes. A multi-byte character cut by the end of the head is
/// allowed: the head is a prefix of the file, not the whole of it.
fn is_text(head: &[u8]) -> bool {
    let utf8 = std::str::from_utf8(head).map_or_else(|cut| cut.error_len().is_none(), |_| true);
    utf8 && !head.contains(&0)
}

/// Whether a browser may show this type inline from Confab's origin without running anything: the raster image types only.
pub fn inline_safe(content_type: &str) -> bool {
    is_image(content_type)
}

/// Whether Confab reads this type as an image (dimensions, thumbnail): the raster image types.
pub fn is_image(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    RASTER_TYPES.iter().any(|t| t.eq_ignore_ascii_case(essence))
}

/// A small picture Confab made, encoded and ready to store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Thumbnail {
    pub bytes: Vec<u8>,
    /// `image/jpeg`, or `image/png` when the picture has transparent pixels.
    pub content_type: &'static str,
    pub width: u32,
    pub height: u32,
}

/// What Confab learns from an uploaded image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageInfo {
    pub width: u32,
    pub height: u32,
    pub thumbnail: Thumbnail,
}

/// Why an image was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MediaError {
    #[error("the image is {width}x{height} pixels; at most {max} pixels are allowed")]
    TooManyPixels { width: u32, height: u32, max: u64 },
    #[error("the image cannot be read: {0}")]
    Corrupt(String),
}

/// Reads an image's dimensions (from its header first: more than `max_pixels` is refused before anything is decoded), decodes it with memory limits, and makes a thumbnail that fits in `edge`x`edge` keeping the aspect ratio (never upscaled: a small image's thumbnail has its own size). For an animated GIF, the first frame.
pub fn inspect_image(bytes: &[u8], max_pixels: u64, edge: u32) -> Result<ImageInfo, MediaError> {
    let image = decode(bytes, max_pixels)?;
    let (width, height) = (image.width(), image.height());
    let thumbnail = if width <= edge && height <= edge {
        encode(&image)?
    } else {
        encode(&scale(&image, edge))?
    };
    Ok(ImageInfo {
        width,
        height,
        thumbnail,
    })
}

/// A square avatar of `edge`x`edge`: the image's centre cropped to a square, then scaled (down or up) to `edge`. Same limits and errors.
pub fn avatar(bytes: &[u8], max_pixels: u64, edge: u32) -> Result<Thumbnail, MediaError> {
    let image = decode(bytes, max_pixels)?;
    let side = image.width().min(image.height());
    let x = (image.width() - side) / 2;
    let y = (image.height() - side) / 2;
    encode(&scale(&image.crop_imm(x, y, side, side), edge))
}

/// Decodes the first frame, refusing more than `max_pixels` before decoding.
fn decode(bytes: &[u8], max_pixels: u64) -> Result<DynamicImage, MediaError> {
    let (width, height) = reader(bytes)?.into_dimensions().map_err(corrupt)?;
    let (pixels, max) = (u64::from(width) * u64::from(height), max_pixels);
    if pixels > max {
        return Err(MediaError::TooManyPixels { width, height, max });
    }
    if pixels == 0 {
        return Err(MediaError::Corrupt("the image has no pixels".to_owned()));
    }
    // The decoder may allocate for the size the header claimed and no more.
    let mut limits = Limits::default();
    limits.max_image_width = Some(width);
    limits.max_image_height = Some(height);
    limits.max_alloc = Some(ALLOC_SLACK.saturating_add(pixels.saturating_mul(MAX_BYTES_PER_PIXEL)));
    let mut reader = reader(bytes)?;
    if reader.format() == Some(ImageFormat::Jpeg) && !jpeg_is_complete(bytes) {
        return Err(MediaError::Corrupt("the JPEG is cut short".to_owned()));
    }
    reader.limits(limits.clone());
    let mut decoder = reader.into_decoder().map_err(corrupt)?;
    // As `ImageReader::decode` does: the decoded pixels count towards the limit too.
    limits.reserve(decoder.total_bytes()).map_err(corrupt)?;
    decoder.set_limits(limits).map_err(corrupt)?;
    // Phones store a portrait photo sideways and say so in its Exif, which re-encoding
    // drops. Broken Exif is no reason to refuse a picture that browsers show.
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(corrupt)?;
    image.apply_orientation(orientation);
    Ok(image)
}

/// Whether a JPEG has its end-of-image marker. The decoder fills the missing part of a
/// truncated JPEG with grey rather than failing. The marker is looked for after the
/// first scan starts, past the headers, which may hold an Exif thumbnail with its own.
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let mut at = 2; // Past the start-of-image marker.
    while let Some(&[0xFF, marker, high, low]) = bytes.get(at..at + 4) {
        at += match marker {
            0xDA => return bytes[at..].windows(2).any(|pair| pair == [0xFF, 0xD9]),
            0xFF => 1, // A fill byte before a marker.
            _ => 2 + usize::from(u16::from_be_bytes([high, low])),
        };
    }
    false
}

/// A reader of the format the bytes start with, under `image`'s default limits.
fn reader(bytes: &[u8]) -> Result<ImageReader<Cursor<&[u8]>>, MediaError> {
    let reader = ImageReader::new(Cursor::new(bytes)).with_guessed_format();
    reader.map_err(|e| MediaError::Corrupt(e.to_string()))
}

fn corrupt(error: image::ImageError) -> MediaError {
    MediaError::Corrupt(error.to_string())
}

/// Scales to the largest size within `edge`x`edge` that keeps the aspect ratio: by area
/// averaging when shrinking to half or less (fast, and without aliasing at that ratio),
/// otherwise with a triangle filter.
fn scale(image: &DynamicImage, edge: u32) -> DynamicImage {
    let edge = edge.max(1);
    if image.width().max(image.height()) / 2 >= edge {
        image.thumbnail(edge, edge)
    } else {
        image.resize(edge, edge, FilterType::Triangle)
    }
}

/// PNG if any pixel is not fully opaque (JPEG has no transparency), else JPEG.
fn encode(image: &DynamicImage) -> Result<Thumbnail, MediaError> {
    let mut bytes = Vec::new();
    let transparent = image
        .color()
        .has_alpha()
        .then(|| image.to_rgba8())
        .filter(|rgba| rgba.pixels().any(|p| p.0[3] < u8::MAX));
    let content_type = match transparent {
        Some(rgba) => {
            rgba.write_with_encoder(PngEncoder::new(&mut bytes))
                .map_err(corrupt)?;
            "image/png"
        }
        None => {
            let encoder = JpegEncoder::new_with_quality(&mut bytes, JPEG_QUALITY);
            image
                .to_rgb8()
                .write_with_encoder(encoder)
                .map_err(corrupt)?;
            "image/jpeg"
        }
    };
    let (width, height) = (image.width(), image.height());
    Ok(Thumbnail {
        bytes,
        content_type,
        width,
        height,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::ImageEncoder;
    use image::codecs::gif::GifEncoder;
    use image::{Frame, Rgb, RgbImage, Rgba, RgbaImage};

    const MAX: u64 = 50_000_000;

    fn encoded(image: impl Into<DynamicImage>, format: ImageFormat) -> Vec<u8> {
        let mut bytes = Cursor::new(Vec::new());
        image.into().write_to(&mut bytes, format).expect("encode");
        bytes.into_inner()
    }

    /// A gradient, so that the encoders have something to compress.
    fn gradient(width: u32, height: u32, format: ImageFormat) -> Vec<u8> {
        let image = RgbImage::from_fn(width, height, |x, y| Rgb([x as u8, y as u8, 90]));
        encoded(image, format)
    }

    fn png(width: u32, height: u32) -> Vec<u8> {
        gradient(width, height, ImageFormat::Png)
    }

    fn pixel(thumbnail: &Thumbnail, x: u32, y: u32) -> [u8; 4] {
        let image = image::load_from_memory(&thumbnail.bytes).expect("decode");
        image.to_rgba8().get_pixel(x, y).0
    }

    fn refused<T>(width: u32, height: u32, max: u64) -> Result<T, MediaError> {
        Err(MediaError::TooManyPixels { width, height, max })
    }

    #[test]
    fn sniffs_what_the_bytes_are() {
        let cases: &[(&[u8], &str)] = &[
            (&png(4, 4), "image/png"),
            (&gradient(4, 4, ImageFormat::Jpeg), "image/jpeg"),
            (&gradient(4, 4, ImageFormat::Gif), "image/gif"),
            (&gradient(4, 4, ImageFormat::WebP), "image/webp"),
            (b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n", "application/pdf"),
            (b"PK\x03\x04\x14\x00\x00\x00\x08\x00", "application/zip"),
            (b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>", SVG),
            (b"\xEF\xBB\xBF \n\t<SVG onload=alert(1)>", SVG),
            (b"<?xml version=\"1.0\"?>\n<!-- by hand -->\n<svg>", SVG),
            (b"<!DOCTYPE svg>\n<svg width=\"1\">", SVG),
            (b"<!DOCTYPE html><title>x</title>", HTML),
            (b"\xEF\xBB\xBF<html><body>", HTML),
            (b"  <Script>alert(1)</script>", HTML),
            (b"<head><meta charset=utf-8>", HTML),
            (b"\n<BODY onload=alert(1)>", HTML),
            (b"<iframe src=\"https://example.com\">", HTML),
            // XML that is not SVG is only XML (and still an attachment).
            (b"<?xml version=\"1.0\"?><feed/>", "text/xml"),
            // Unrecognised bytes: text if UTF-8 without NUL. The head may end inside a
            // multi-byte character, but not contain a broken one.
            ("Grüße, 世界\n".as_bytes(), TEXT),
            (b"", TEXT),
            (&"see 世".as_bytes()[..5], TEXT),
            (b"text with a \0 byte", BINARY),
            (b"\x13\x9f\xfe\x01\xc3\x28garbage\x80\x81", BINARY),
        ];
        for &(head, expected) in cases {
            assert_eq!(sniff(head), expected, "{}", String::from_utf8_lossy(head));
        }
    }

    #[test]
    fn only_raster_images_are_inline_safe() {
        let raster = ["image/png", "image/jpeg", "image/gif", "image/webp"];
        for safe in raster.into_iter().chain(["IMAGE/PNG", "image/gif; x=y"]) {
            assert!(inline_safe(safe) && is_image(safe), "{safe}");
        }
        let attachments = [SVG, HTML, "text/xml", "application/pdf", TEXT, BINARY, ""];
        for other in attachments {
            assert!(!inline_safe(other) && !is_image(other), "{other}");
        }
    }

    #[test]
    fn thumbnails_fit_the_edge_and_are_never_upscaled() {
        let cases = [
            (ImageFormat::Png, (1000, 500), (320, 160)),
            (ImageFormat::Jpeg, (50, 1000), (16, 320)),
            (ImageFormat::WebP, (100, 50), (100, 50)),
        ];
        for (format, size, thumb) in cases {
            let image = gradient(size.0, size.1, format);
            let info = inspect_image(&image, MAX, 320).expect("inspect");
            assert_eq!((info.width, info.height), size);
            let thumbnail = &info.thumbnail;
            assert_eq!((thumbnail.width, thumbnail.height), thumb);
            assert_eq!(thumbnail.content_type, "image/jpeg");
            let decoded = image::load_from_memory(&thumbnail.bytes).expect("decode");
            assert_eq!((decoded.width(), decoded.height()), thumb);
        }
    }

    #[test]
    fn transparent_pictures_stay_png_and_opaque_alpha_becomes_jpeg() {
        let holed = RgbaImage::from_fn(400, 40, |x, _| Rgba([200, 0, 0, (x % 2 * 255) as u8]));
        let info = inspect_image(&encoded(holed, ImageFormat::Png), MAX, 40).expect("inspect");
        assert_eq!(info.thumbnail.content_type, "image/png");
        assert!(pixel(&info.thumbnail, 20, 2)[3] < 255);

        let opaque = RgbaImage::from_pixel(40, 40, Rgba([0, 0, 200, 255]));
        let info = inspect_image(&encoded(opaque, ImageFormat::Png), MAX, 320).expect("inspect");
        assert_eq!(info.thumbnail.content_type, "image/jpeg");
    }

    #[test]
    fn an_animated_gif_gives_its_first_frame() {
        let mut gif = Vec::new();
        let frames = [Rgba([255, 0, 0, 255]), Rgba([0, 0, 255, 255])]
            .map(|colour| Frame::new(RgbaImage::from_pixel(20, 10, colour)));
        GifEncoder::new(&mut gif)
            .encode_frames(frames)
            .expect("gif");
        let info = inspect_image(&gif, MAX, 320).expect("inspect");
        assert_eq!((info.width, info.height), (20, 10));
        let [red, _, blue, _] = pixel(&info.thumbnail, 10, 5);
        assert!(red > 200 && blue < 50, "{red} {blue}");
    }

    #[test]
    fn an_avatar_is_the_centre_square_scaled_to_the_edge() {
        // Red sides, a green square in the middle: only green survives the crop.
        let mut wide = RgbImage::from_pixel(300, 100, Rgb([255, 0, 0]));
        let centre = RgbImage::from_pixel(100, 100, Rgb([0, 255, 0]));
        image::imageops::replace(&mut wide, &centre, 100, 0);
        let square = avatar(&encoded(wide, ImageFormat::Png), MAX, 64).expect("avatar");
        assert_eq!((square.width, square.height), (64, 64));
        assert_eq!(square.content_type, "image/jpeg");
        for (x, y) in [(1, 1), (62, 62), (32, 32)] {
            let [red, green, ..] = pixel(&square, x, y);
            assert!(green > 200 && red < 50, "({x}, {y}): {red} {green}");
        }
        let enlarged = avatar(&png(10, 20), MAX, 64).expect("avatar");
        assert_eq!((enlarged.width, enlarged.height), (64, 64));
    }

    #[test]
    fn a_photo_is_turned_as_its_exif_orientation_says() {
        // A TIFF header and one entry: orientation (0x0112), 1 SHORT, 6 (turn 90° clockwise).
        let exif = b"MM\0*\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01\0\x06\0\0\0\0\0\0";
        let mut jpeg = Vec::new();
        let mut encoder = JpegEncoder::new(&mut jpeg);
        encoder.set_exif_metadata(exif.to_vec()).expect("exif");
        RgbImage::new(40, 20)
            .write_with_encoder(encoder)
            .expect("jpeg");
        let info = inspect_image(&jpeg, MAX, 320).expect("inspect");
        assert_eq!((info.width, info.height), (20, 40));
    }

    #[test]
    fn broken_images_are_corrupt() {
        let jpeg = encoded(RgbImage::new(200, 200), ImageFormat::Jpeg);
        let noise = b"\x13\x9f\xfe\x01\xc3\x28\x00\xff\xd8\x89PNG\x80\x81\x00\x00\x17";
        for bytes in [
            &jpeg[..jpeg.len() / 2],
            &noise[..],
            &[][..],
            &png(10, 10)[..40],
        ] {
            let corrupt = |result: Result<_, _>| matches!(result, Err(MediaError::Corrupt(_)));
            assert!(corrupt(inspect_image(bytes, MAX, 320).map(|_| ())));
            assert!(corrupt(avatar(bytes, MAX, 64).map(|_| ())));
        }
    }

    /// CRC-32 (ISO-HDLC), which every PNG chunk carries.
    fn crc32(bytes: &[u8]) -> u32 {
        let step = |c: u32| (c >> 1) ^ (0xEDB8_8320 & (c & 1).wrapping_neg());
        !bytes.iter().fold(!0, |crc, &b| {
            (0..8).fold(crc ^ u32::from(b), |c, _| step(c))
        })
    }

    #[test]
    fn headers_claiming_too_many_pixels_are_refused_and_lying_ones_cannot_allocate() {
        // A PNG of a few bytes whose header claims 100000x100000 (30 GB of pixels).
        let mut bomb = png(1, 1);
        bomb[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        bomb[20..24].copy_from_slice(&100_000u32.to_be_bytes());
        let crc = crc32(&bomb[12..29]);
        bomb[29..33].copy_from_slice(&crc.to_be_bytes());

        // A GIF whose logical screen is 20000x20000.
        let mut gif = encoded(RgbImage::new(1, 1), ImageFormat::Gif);
        gif[6..8].copy_from_slice(&20_000u16.to_le_bytes());
        gif[8..10].copy_from_slice(&20_000u16.to_le_bytes());

        // The limit itself is allowed.
        assert!(inspect_image(&png(100, 50), 5_000, 320).is_ok());
        let cases = [
            (bomb, MAX, 100_000, 100_000),
            (gif, MAX, 20_000, 20_000),
            (png(100, 50), 4_999, 100, 50),
        ];
        for (bytes, max, width, height) in cases {
            assert_eq!(inspect_image(&bytes, max, 320), refused(width, height, max));
            assert_eq!(avatar(&bytes, max, 64), refused(width, height, max));
        }

        // A GIF whose screen is 1x1 but whose frame is 3000x3000 (and whose data is
        // bogus): the decoder may not allocate for the frame, as the header said 1 pixel.
        let mut liar = b"GIF89a\x01\x00\x01\x00\x00\x00\x00,\0\0\0\0\xb8\x0b\xb8\x0b".to_vec();
        liar.extend_from_slice(b"\x80\x00\x00\x00\xff\xff\xff\x02\x02\x44\x01\x00;");
        let limited = MediaError::Corrupt("Memory limit exceeded".to_owned());
        assert_eq!(inspect_image(&liar, MAX, 320).map(|_| ()), Err(limited));
    }
}
