/**
 * EdgeOne's `fetch(url, { eo: { image: { format, width, height, long, short, quality } } })`: the
 * fetched image is converted on the host with sharp (loaded on first use). Formats: webp, avif,
 * jpeg (or jpg), png, gif; EdgeOne's bmp, jp2, jxr and heif are refused (sharp cannot write them).
 * `long` / `short` set the longer / shorter side, keeping the aspect ratio.
 *
 * Limits (EdgeOne's image processing documents the input size, sides, frames and output sides;
 * the pixel count is lower than EdgeOne's 250 million because edgefn converts on the gateway's own
 * machine, where a whole decoded image must fit beside everything else). An image past them is not
 * converted: as on EdgeOne, the original comes back.
 */
import type sharpModule from 'sharp';

type Format = 'webp' | 'avif' | 'jpeg' | 'png' | 'gif';

export interface ImageOptions {
  /** The format to write; without one, the image keeps its own (if it is one of these). */
  format?: Format;
  width?: number;
  height?: number;
  long?: number;
  short?: number;
  quality?: number;
}

export const imageLimits = Object.freeze({
  inputBytes: 32 * 2 ** 20,
  inputSide: 30_000,
  inputPixels: 100_000_000,
  frames: 300,
  outputSide: 9999,
  timeoutSeconds: 10,
});

/** An image that edgefn will not convert (the original is used instead). */
export class ImageLimitError extends Error {}

/**
 * What EdgeOne reads (jpg, png, bmp, jp2, jxr, gif, webp, avif, heif), as sharp names the ones it
 * can decode; anything else (SVG, TIFF, PDF, ...) comes back as it was.
 */
const readable = new Set(['jpeg', 'png', 'jp2', 'gif', 'webp', 'avif', 'heif']);

const formats: Record<string, Format> = { webp: 'webp', avif: 'avif', jpeg: 'jpeg', jpg: 'jpeg', png: 'png', gif: 'gif' };

const positiveInt = (value: unknown, name: string, max: number): number | undefined => {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw new TypeError(`eo.image.${name} must be an integer from 1 to ${max}`);
  }
  return value;
};

/**
 * Reads `eo.image`; undefined when absent or when it asks for nothing (`{}`: the image as it is,
 * as EdgeOne's WebP example relies on). Throws TypeError (seen by the function) when invalid.
 */
export function parseImageOptions(eo: Record<string, unknown> | null): ImageOptions | undefined {
  const raw = eo?.image;
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'object') throw new TypeError('eo.image must be an object');
  const { format, width, height, long, short, quality } = raw as Record<string, unknown>;
  const options: ImageOptions = {};
  if (format !== undefined && format !== null && format !== '') {
    const target = typeof format === 'string' ? formats[format.toLowerCase()] : undefined;
    if (!target) throw new TypeError('eo.image.format must be webp, avif, jpeg (jpg), png or gif');
    options.format = target;
  }
  const side = imageLimits.outputSide;
  const sizes = { width: positiveInt(width, 'width', side), height: positiveInt(height, 'height', side), long: positiveInt(long, 'long', side), short: positiveInt(short, 'short', side), quality: positiveInt(quality, 'quality', 100) };
  for (const [key, value] of Object.entries(sizes)) if (value !== undefined) options[key as 'width'] = value;
  return Object.keys(options).length === 0 ? undefined : options;
}

type Sharp = typeof sharpModule;
let loaded: Sharp | undefined;

async function loadSharp(): Promise<Sharp> {
  if (!loaded) {
    const { default: sharp } = await import('sharp');
    // No cache kept between images, and one libvips thread per image: the pool decides how many
    // images are converted at once, and one conversion's memory is gone when it ends.
    sharp.cache(false);
    sharp.concurrency(1);
    loaded = sharp;
  }
  return loaded;
}

/**
 * Converts an image; the result's Content-Type is `image/<format>`. Throws ImageLimitError for an
 * image past the limits or in a format EdgeOne does not read, and sharp's errors for one it cannot
 * read.
 */
export async function convertImage(bytes: Uint8Array, options: ImageOptions): Promise<{ bytes: Uint8Array; format: Format }> {
  if (bytes.byteLength > imageLimits.inputBytes) throw new ImageLimitError(`image of ${bytes.byteLength} bytes is larger than ${imageLimits.inputBytes}`);
  const sharp = await loadSharp();
  const meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  if (!readable.has(meta.format ?? '')) throw new ImageLimitError(`edgefn does not convert ${meta.format ?? 'unknown'} images`);
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  const frames = meta.pages ?? 1;
  if (width > imageLimits.inputSide || height > imageLimits.inputSide) throw new ImageLimitError(`image of ${width}x${height} has a side over ${imageLimits.inputSide}`);
  if (width * height * frames > imageLimits.inputPixels) throw new ImageLimitError(`image of ${width}x${height}x${frames} has more than ${imageLimits.inputPixels} pixels`);
  if (frames > imageLimits.frames) throw new ImageLimitError(`image has more than ${imageLimits.frames} frames`);
  const format = options.format ?? formats[meta.format ?? ''];
  if (!format) throw new ImageLimitError(`cannot write ${meta.format ?? 'this'} images`);
  let pipeline = sharp(bytes, { failOn: 'error', limitInputPixels: imageLimits.inputPixels, sequentialRead: true }).timeout({ seconds: imageLimits.timeoutSeconds });
  let target = { width: options.width, height: options.height };
  if (options.long !== undefined || options.short !== undefined) {
    // The long side is the width of a landscape image and the height of a portrait one.
    const [longSide, shortSide] = width >= height ? [options.long, options.short] : [options.short, options.long];
    target = { width: longSide ?? target.width, height: shortSide ?? target.height };
  }
  if (target.width !== undefined || target.height !== undefined) {
    pipeline = pipeline.resize({ ...target, fit: 'inside', withoutEnlargement: true });
  }
  const quality = options.quality === undefined ? {} : { quality: options.quality };
  return { bytes: new Uint8Array(await pipeline.toFormat(format, quality).toBuffer()), format };
}
