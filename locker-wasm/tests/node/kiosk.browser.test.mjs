// End-to-end test of the kiosk page (locker-wasm/www) in headless
// Chromium, driven by playwright-core (which never downloads a browser:
// it drives Debian's /usr/bin/chromium). The test serves www/ and the
// built package (at /pkg/) itself on 127.0.0.1 with an ephemeral port, and
// stops the server and the browser itself, within its time limit.
//
// It drops a parcel off, reads the resident's PIN and QR in the portal,
// reloads (the state comes back from the journal in localStorage), checks
// the grid in a screenshot, and collects by PIN, then by QR.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";

const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const root = fileURLToPath(new URL("../../", import.meta.url));
const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm",
  ".json": "application/json",
};

/** Serves www/ at / and pkg/ at /pkg/, nothing else. */
function serve() {
  const server = createServer(async (request, response) => {
    const path = normalize(decodeURIComponent(new URL(request.url, "http://x").pathname));
    const file = path.startsWith("/pkg/")
      ? join(root, "pkg", path.slice(5))
      : join(root, "www", path === "/" ? "index.html" : path);
    if (!file.startsWith(join(root, "www")) && !file.startsWith(join(root, "pkg"))) {
      response.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      response.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
      response.end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}

const skip = existsSync(CHROMIUM) ? false : `no browser at ${CHROMIUM} (scripts/ci/setup installs it)`;

test("kiosk: drop-off, portal, reload, grid screenshot, pickup by PIN and QR", { skip, timeout: 120_000 }, async () => {
  const { chromium } = await import("playwright-core");
  const server = await serve();
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
    timeout: 30_000,
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(15_000);
    const problems = [];
    page.on("pageerror", (error) => problems.push(error.message));
    const url = `http://127.0.0.1:${server.address().port}/`;
    await page.goto(url);
    await page.waitForSelector("body[data-ready=true]");
    assert.equal(await page.locator("#grid .door").count(), 105);
    assert.equal(await page.locator('#grid .door[data-state="free"]').count(), 105);

    // Courier drop-off.
    const code = (await page.textContent("#courier-code")).trim();
    assert.match(code, /^\d{12}$/);
    await page.fill("#courier [name=code]", code);
    await page.fill("#courier [name=recipient]", "12");
    await page.click("#courier button[type=submit]");
    await page.waitForSelector('#grid .door[data-state="open"]');
    const door = await page.getAttribute('#grid .door[data-state="open"]', "data-door-id");
    await page.click("#close-door");
    await page.waitForSelector(`#grid .door[data-door-id="${door}"][data-state="occupied"]`);
    assert.match(await page.textContent("#status"), /Parcel stored/);

    // The resident portal shows the PIN and the QR code.
    await page.click('nav button[data-screen="portal"]');
    await page.fill("#portal [name=unit]", "12");
    await page.click("#portal button[type=submit]");
    const pin = (await page.textContent("#portal-pin")).trim();
    assert.match(pin, /^\d{8}$/);
    assert.equal(await page.locator("#portal-qr svg").count(), 1);
    const token = await page.getAttribute("#portal-qr", "data-token");

    // A reload restores the state from the journal in localStorage.
    await page.reload();
    await page.waitForSelector("body[data-ready=true]");
    assert.match(await page.textContent("#status"), /Restored from the journal/);
    await page.waitForSelector(`#grid .door[data-door-id="${door}"][data-state="occupied"]`);
    assert.equal(await page.locator('#grid .door[data-state="occupied"]').count(), 1);

    // The screenshot shows the occupied door in the occupied colour and
    // the others in the free colour.
    const colours = await gridColours(page, door);
    assert.deepEqual(colours.occupied, [0x25, 0x63, 0xc9], "occupied door colour");
    assert.deepEqual(colours.free, [0x2e, 0x9d, 0x5b], "free door colour");

    // A wrong PIN is refused with a code; the right one opens the door.
    await page.click('nav button[data-screen="pickup"]');
    await page.fill("#pickup [name=unit]", "12");
    await page.fill("#pickup [name=pin]", pin === "00000000" ? "11111111" : "00000000");
    await page.click('#pickup button[value="pin"]');
    await page.waitForSelector('#status[data-code="rejected"]');
    await page.fill("#pickup [name=pin]", pin);
    await page.click('#pickup button[value="pin"]');
    await page.waitForSelector(`#grid .door[data-door-id="${door}"][data-state="open"]`);
    await page.click("#close-door");
    // Just collected: the door rests in its grace period (the resident may
    // re-open it), then is free again.
    await page.waitForSelector(`#grid .door[data-door-id="${door}"][data-state="grace"]`);
    assert.match(await page.textContent("#status"), /Collected/);

    // The spent QR token no longer opens anything.
    await page.fill("#pickup [name=token]", token);
    await page.click("#pickup-qr");
    await page.waitForSelector('#status:not([data-code=""])');
    const spent = await page.getAttribute("#status", "data-code");
    assert.ok(["already_used", "revoked"].includes(spent), spent);

    // A second parcel, collected by QR after another reload.
    await page.click('nav button[data-screen="courier"]');
    await page.fill("#courier [name=code]", code);
    await page.fill("#courier [name=recipient]", "7");
    await page.click("#courier button[type=submit]");
    await page.waitForSelector('#grid .door[data-state="open"]');
    await page.click("#close-door");
    await page.waitForSelector('#grid .door[data-state="occupied"]');
    await page.click('nav button[data-screen="portal"]');
    await page.fill("#portal [name=unit]", "7");
    await page.click("#portal button[type=submit]");
    const token7 = await page.getAttribute("#portal-qr", "data-token");
    await page.reload();
    await page.waitForSelector("body[data-ready=true]");
    await page.click('nav button[data-screen="pickup"]');
    await page.fill("#pickup [name=token]", token7);
    await page.click("#pickup-qr");
    await page.waitForSelector('#grid .door[data-state="open"]');
    await page.click("#close-door");
    await page.waitForFunction(() =>
      document.querySelectorAll('#grid .door[data-state="occupied"], #grid .door[data-state="open"]').length === 0);
    assert.equal(await page.locator('#grid .door[data-state="grace"]').count(), 2);
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** The colour of the grid's screenshot at the centre of `door` and of a free door. */
async function gridColours(page, door) {
  const grid = page.locator("#grid");
  const png = await grid.screenshot();
  const box = await grid.boundingBox();
  const centre = async (selector) => {
    const b = await page.locator(selector).first().boundingBox();
    return [Math.round(b.x - box.x + b.width / 2), Math.round(b.y - box.y + b.height / 2)];
  };
  // Text sits in the middle of a door: sample a little above its label.
  const at = async (selector) => {
    const [x, y] = await centre(selector);
    const b = await page.locator(selector).first().boundingBox();
    return [Math.round(x - b.width / 2 + 3), Math.round(y - b.height / 2 + 2)];
  };
  const points = {
    occupied: await at(`#grid .door[data-door-id="${door}"]`),
    free: await at('#grid .door[data-state="free"]'),
  };
  // Decode the PNG in the page itself (no image library needed here).
  return page.evaluate(async ({ data, points }) => {
    const image = new Image();
    image.src = `data:image/png;base64,${data}`;
    await image.decode();
    const canvas = document.createElement("canvas");
    canvas.width = image.width;
    canvas.height = image.height;
    const context = canvas.getContext("2d");
    context.drawImage(image, 0, 0);
    const out = {};
    for (const [name, [x, y]] of Object.entries(points)) {
      out[name] = [...context.getImageData(x, y, 1, 1).data.slice(0, 3)];
    }
    return out;
  }, { data: png.toString("base64"), points });
}
