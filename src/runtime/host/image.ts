/**
 * EdgeOne's `fetch(url, { eo: { image: { format, width, height, long, short, quality } } })`: the
 * fetched image is converted on the host with sharp (loaded on first use). Formats: webp, avif,
 * jpeg (or jpg), png, gif; EdgeOne's bmp, jp2, jxr and heif are refused (sharp cannot write them).
 * `long` / `short` set the longer / shorter side, keeping the aspect ratio.
 */
export interface ImageOptions {
  format: 'webp' | 'avif' | 'jpeg' | 'png' | 'gif';
  width?: number;
  height?: number;
  long?: number;
  short?: number;
  quality?: number;
}

const formats: Record<string, ImageOptions['format']> = { webp: 'webp', avif: 'avif', jpeg: 'jpeg', jpg: 'jpeg', png: 'png', gif: 'gif' };

const positiveInt = (value: unknown, name: string, max: number): number | undefined => {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw new TypeError(`eo.image.${name} must be an integer from 1 to ${max}`);
  }
  return value;
};

/** Reads `eo.image`; undefined when absent. Throws TypeError (seen by the function) when invalid. */
export function parseImageOptions(eo: Record<string, unknown> | null): ImageOptions | undefined {
  const raw = eo?.image;
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'object') throw new TypeError('eo.image must be an object');
  const { format, width, height, long, short, quality } = raw as Record<string, unknown>;
  const target = typeof format === 'string' ? formats[format.toLowerCase()] : undefined;
  if (!target) throw new TypeError('eo.image.format must be webp, avif, jpeg (jpg), png or gif');
  const options: ImageOptions = { format: target };
  const sizes = { width: positiveInt(width, 'width', 16384), height: positiveInt(height, 'height', 16384), long: positiveInt(long, 'long', 16384), short: positiveInt(short, 'short', 16384), quality: positiveInt(quality, 'quality', 100) };
  for (const [key, value] of Object.entries(sizes)) if (value !== undefined) options[key as 'width'] = value;
  return options;
}

/** Converts an image; the result's Content-Type is `image/<format>`. */
export async function convertImage(bytes: Uint8Array, options: ImageOptions): Promise<Uint8Array> {
  const { default: sharp } = await import('sharp');
  let pipeline = sharp(bytes, { failOn: 'error' });
  let { width, height } = options;
  if (options.long !== undefined || options.short !== undefined) {
    const meta = await pipeline.metadata();
    const landscape = (meta.width ?? 0) >= (meta.height ?? 0);
    // The long side is the width of a landscape image and the height of a portrait one.
    const [longSide, shortSide] = landscape ? [options.long, options.short] : [options.short, options.long];
    width = longSide ?? width;
    height = shortSide ?? height;
  }
  if (width !== undefined || height !== undefined) {
    pipeline = pipeline.resize({ width, height, fit: 'inside', withoutEnlargement: true });
  }
  const quality = options.quality === undefined ? {} : { quality: options.quality };
  return new Uint8Array(await pipeline.toFormat(options.format, quality).toBuffer());
}
