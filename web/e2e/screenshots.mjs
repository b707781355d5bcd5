// Writes screenshots of the main screens to docs/screenshots/ (desktop 1280x800 and
// phone 375x667, light and dark), against a real confab with some seeded chat (some
// people and the group have photos); then of invitations, a message request and the
// blocked list, seeded after the first ones so that those show the everyday screens;
// then of a conversation with shared files (photos, documents, the Files tab, the
// photo viewer and files waiting in the composer).
// Run: npm run screenshots (after `cargo build --bin confab`).

import { Buffer } from 'node:buffer';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { api as harnessApi, launchBrowser, PASSWORD, pdfBytes, pictureBytes, startServer } from './harness.mjs';

const out = resolve(dirname(fileURLToPath(import.meta.url)), '../../docs/screenshots');
mkdirSync(out, { recursive: true });

const server = await startServer();
const browser = await launchBrowser();

const api = (token, method, path, body) => harnessApi(server, token, method, path, body);

let n = 0;
async function user(username, display_name) {
  const { user, tokens } = await api(null, 'POST', '/auth/signup', { username, password: PASSWORD, display_name });
  return { ...user, token: tokens.access_token };
}
const say = (who, room, text, extra = {}) => api(who.token, 'POST', `/rooms/${room}/messages`, { client_id: `seed-${++n}`, body: { type: 'text', text }, ...extra });

/** Uploads bytes as `who`; answers the file. */
async function upload(who, name, bytes) {
  const response = await fetch(`${server.url}/api/v1/files?name=${encodeURIComponent(name)}&client_id=seed-file-${++n}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/octet-stream', Authorization: `Bearer ${who.token}` },
    body: bytes,
  });
  if (!response.ok) throw new Error(`upload ${name}: ${response.status} ${await response.text()}`);
  return response.json();
}

// Pictures are drawn with a canvas in a blank page.
const canvasPage = await browser.newPage();
const picture = (width, height, hue) => pictureBytes(canvasPage, width, height, hue);
async function setPhoto(who, hue) {
  const file = await upload(who, 'photo.jpg', await picture(512, 512, hue));
  await api(who.token, 'PUT', '/users/me/avatar', { file_id: file.id });
}

/** Signs in as Alice in a fresh browser context for each shot and writes its PNG. */
async function shoot(shots) {
  for (const shot of shots) {
    const context = await browser.newContext({ viewport: shot.viewport, colorScheme: shot.scheme, deviceScaleFactor: 1 });
    const page = await context.newPage();
    await page.goto(server.url);
    if (!shot.signedOut) {
      await page.getByLabel('Username').fill('alice');
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('link', { name: /Launch crew/ }).waitFor();
      if (shot.pending) await page.getByRole('button', { name: /Accept message request from Maximilian/ }).waitFor();
      if (shot.room) {
        await page.getByRole('link', { name: new RegExp(`^${shot.room}`) }).click();
        await page.locator('.msg__body').last().waitFor();
        if (shot.room === 'Launch crew') await page.locator('.msg__body', { hasText: 'Shipping it' }).waitFor();
        if (shot.members) {
          await page.getByRole('button', { name: 'Members' }).click();
          await page.getByRole('complementary', { name: 'Conversation details' }).getByText('Dev Patel').waitFor();
        }
      }
      if (shot.files) {
        await page.getByRole('button', { name: 'Members' }).click();
        await page.getByRole('tab', { name: 'Files' }).click();
        await page.getByRole('list', { name: 'Shared files' }).waitFor();
      }
      if (shot.attach) {
        await page.locator('.composer input[type=file]').setInputFiles(shot.attach);
        await page.getByText(/ready to send/).waitFor();
      }
      if (shot.viewer) {
        await page.getByRole('button', { name: `Open photo ${shot.viewer}` }).first().click();
        await page.locator('.viewer__img:not(.viewer__img--preview)').waitFor();
      }
      if (shot.room || shot.files) {
        // Every picture on screen loaded, so the shot shows no placeholders.
        await page.waitForFunction(() => [...document.images].every((img) => img.complete && img.naturalWidth > 0));
      }
      if (shot.settings) {
        await page.getByRole('button', { name: /profile and settings/ }).click();
        await page.getByLabel('Show me in search to everyone').waitFor();
        await page.getByRole('button', { name: 'Unblock Limited Time Offers' }).waitFor();
      }
      // Let presence and names settle; no hover effects in the picture.
      await page.mouse.move(0, shot.viewport.height - 1);
      await page.waitForTimeout(400);
    }
    const file = join(out, `${shot.name}.png`);
    await page.screenshot({ path: file });
    console.log(`wrote ${file}`);
    await context.close();
  }
}

try {
  const alice = await user('alice', 'Alice Martin');
  const bob = await user('bob', 'Bob Stone-Featherstonehaugh');
  const carol = await user('carol', 'Carolina Díaz de la Fuente');
  const dev = await user('dev', 'Dev Patel');
  // Some people have photos; Bob and the others show their initials.
  await setPhoto(carol, 330);
  await setPhoto(dev, 190);

  const group = await api(alice.token, 'POST', '/rooms', { name: 'Launch crew: platform migration and release coordination', topic: 'Ship v1 on Friday', members: [bob.id, carol.id, dev.id] });
  // Everyone invited joins by accepting.
  for (const who of [bob, carol, dev]) await api(who.token, 'POST', `/invitations/${group.id}/accept`);
  // A long history: 110 earlier messages (the last ones are what the shots show).
  const talkers = [alice, bob, carol, dev];
  for (let i = 0; i < 110; i++) {
    const text =
      i % 25 === 7
        ? 'The staging rollback, for the record:\n```sh\nconfab serve --database-url postgres://db.internal/confab --listen 0.0.0.0:8443\n```'
        : `Update ${i + 1}: checked the ${['migration plan', 'load test', 'release notes', 'rollback runbook'][i % 4]} with the team; nothing blocking so far.`;
    await say(talkers[i % 4], group.id, text);
  }
  const groupPhoto = await upload(alice, 'crew.jpg', await picture(512, 512, 20));
  await api(alice.token, 'PUT', `/rooms/${group.id}/avatar`, { file_id: groupPhoto.id });
  await say(alice, group.id, 'Morning all! Release checklist is in the wiki: https://example.org/wiki/release');
  await say(carol, group.id, 'Thanks. The **migration** ran clean on staging 🎉');
  const q = await say(dev, group.id, 'Do we still need the `--legacy-auth` flag?');
  await say(alice, group.id, 'No, it can go. I will remove it today.', { reply_to: q.seq });
  await api(bob.token, 'PUT', `/rooms/${group.id}/messages/${q.seq}/reactions/${encodeURIComponent('👍')}`);
  await api(carol.token, 'PUT', `/rooms/${group.id}/messages/${q.seq}/reactions/${encodeURIComponent('👍')}`);
  await say(bob, group.id, "@alice can you look at the load test numbers?\n```\np50  4 ms\np99 21 ms\n```");
  await say(carol, group.id, 'Looks *great*. Shipping it.');

  const dm = await api(alice.token, 'POST', '/rooms/direct', { user_id: bob.id });
  await say(bob, dm.id, 'Lunch at noon?');
  const lunch = await say(alice, dm.id, "Sure, the usual place. I'll bring the printed roadmap so we can go through the Q3 milestones and the migration dependencies before the board meeting.");
  await api(alice.token, 'POST', `/rooms/${dm.id}/read`, { seq: lunch.seq });
  const dm2 = await api(carol.token, 'POST', '/rooms/direct', { user_id: alice.id });
  await say(carol, dm2.id, 'Sent you the slides for tomorrow');

  await shoot([
    { name: 'signin', viewport: { width: 1280, height: 800 }, scheme: 'light', signedOut: true },
    { name: 'desktop-light', viewport: { width: 1280, height: 800 }, scheme: 'light', room: 'Launch crew' },
    { name: 'desktop-dark', viewport: { width: 1280, height: 800 }, scheme: 'dark', room: 'Launch crew' },
    { name: 'desktop-members-light', viewport: { width: 1280, height: 800 }, scheme: 'light', room: 'Launch crew', members: true },
    { name: 'phone-list-light', viewport: { width: 375, height: 667 }, scheme: 'light' },
    { name: 'phone-conversation-light', viewport: { width: 375, height: 667 }, scheme: 'light', room: 'Launch crew' },
    { name: 'phone-list-dark', viewport: { width: 375, height: 667 }, scheme: 'dark' },
    { name: 'phone-conversation-dark', viewport: { width: 375, height: 667 }, scheme: 'dark', room: 'Launch crew' },
  ]);

  // Then, pending for Alice: a message request from a stranger and an invitation to a
  // group (long names, to show how they are cut); a request of her own that waits
  // for its answer; and someone she blocked.
  const stranger = await user('maximilian', 'Maximilian Featherstonehaugh-Wolfeschlegelstein');
  await api(stranger.token, 'POST', '/rooms/direct', { user_id: alice.id });
  const guildLead = await user('priya', 'Priya Raghunathan');
  await api(guildLead.token, 'POST', '/rooms', { name: 'Platform engineering guild: infrastructure roadmap 2027', topic: 'Monthly sync', members: [alice.id] });
  const sam = await user('sam', 'Sam Okonkwo');
  const request = await api(alice.token, 'POST', '/rooms/direct', { user_id: sam.id });
  await say(alice, request.id, 'Hi Sam! Dev said you run the Berlin meetup. Could we give a talk about Confab there?');
  const spammer = await user('promo', 'Limited Time Offers');
  await api(alice.token, 'PUT', `/blocks/${spammer.id}`);

  await shoot([
    { name: 'desktop-invitations-light', viewport: { width: 1280, height: 800 }, scheme: 'light', room: 'Sam Okonkwo', pending: true },
    { name: 'phone-invitations-light', viewport: { width: 375, height: 667 }, scheme: 'light', pending: true },
    { name: 'phone-invitations-dark', viewport: { width: 375, height: 667 }, scheme: 'dark', pending: true },
    { name: 'desktop-settings-light', viewport: { width: 1280, height: 800 }, scheme: 'light', settings: true, pending: true },
    { name: 'phone-settings-dark', viewport: { width: 375, height: 667 }, scheme: 'dark', settings: true, pending: true },
  ]);

  // Then a design review with files: photos in a grid and alone, documents as cards,
  // a reply to a photo; the Files tab; the viewer; files waiting in the composer.
  const priya = guildLead;
  await setPhoto(priya, 260);
  const review = await api(priya.token, 'POST', '/rooms', { name: 'Design review: spring brand refresh 2027', topic: 'Homepage, app icons and print', members: [alice.id, dev.id] });
  for (const who of [alice, dev]) await api(who.token, 'POST', `/invitations/${review.id}/accept`);
  const shots = [
    await upload(priya, 'Homepage hero, option A (sunrise).jpg', await picture(1600, 1000, 18)),
    await upload(priya, 'Homepage hero, option B (lagoon).jpg', await picture(1600, 1000, 195)),
    await upload(priya, 'Homepage hero, option C (dusk).jpg', await picture(1600, 1000, 285)),
  ];
  await say(priya, review.id, 'Three options for the homepage hero. Which one reads best at small sizes?', { attachments: shots.map((f) => f.id) });
  const guidelines = await upload(priya, 'Brand guidelines v4 — final for print (approved by legal and marketing).pdf', pdfBytes('Brand guidelines v4'));
  const icons = await upload(priya, 'app-icons-all-sizes.zip', Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), Buffer.alloc(2_400_000, 7)]));
  await say(priya, review.id, 'And the guidelines with the new app icons.', { attachments: [guidelines.id, icons.id] });
  const pick = await say(dev, review.id, 'B, clearly. It survives the dark theme too.', { attachments: [(await upload(dev, 'hero-B-on-dark.png', await picture(1800, 700, 200))).id] });
  await say(alice, review.id, 'Agreed on B. Sending the print proofs in a minute.', { reply_to: pick.seq });
  const proofs = [
    { name: 'Print proof, business card (front and back).pdf', mimeType: 'application/pdf', buffer: pdfBytes('Print proof') },
    { name: 'IMG_4821.jpg', mimeType: 'image/jpeg', buffer: await picture(1200, 1600, 40) },
  ];

  await shoot([
    { name: 'desktop-files-light', viewport: { width: 1280, height: 800 }, scheme: 'light', room: 'Design review', files: true },
    { name: 'desktop-viewer-dark', viewport: { width: 1280, height: 800 }, scheme: 'dark', room: 'Design review', viewer: 'Homepage hero, option B (lagoon).jpg' },
    { name: 'phone-files-light', viewport: { width: 375, height: 667 }, scheme: 'light', room: 'Design review', attach: proofs },
    { name: 'phone-files-dark', viewport: { width: 375, height: 667 }, scheme: 'dark', room: 'Design review' },
  ]);
} finally {
  await browser.close();
  await server.stop();
}
