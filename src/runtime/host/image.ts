/**
 * EdgeOne's `fetch(url, { eo: { image: { format, width, height, quality } } })`: the fetched image
 * is converted on the host with sharp (loaded on first use). Formats: webp, avif, jpeg, png.
 */
export interface ImageOptions {
  format: 'webp' | 'avif' | 'jpeg' | 'png';
  width?: number;
  height?: number;
  quality?: number;
}

const formats = new Set(['webp', 'avif', 'jpeg', 'png']);

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
  const { format, width, height, quality } = raw as Record<string, unknown>;
  if (typeof format !== 'string' || !formats.has(format)) throw new TypeError('eo.image.format must be webp, avif, jpeg or png');
  const options: ImageOptions = { format: format as ImageOptions['format'] };
  const w = positiveInt(width, 'width', 16384);
  const h = positiveInt(height, 'height', 16384);
  const q = positiveInt(quality, 'quality', 100);
  if (w !== undefined) options.width = w;
  if (h !== undefined) options.height = h;
  if (q !== undefined) options.quality = q;
  return options;
}

/** Converts an image; the result's Content-Type is `image/<format>`. */
export async function convertImage(bytes: Uint8Array, options: ImageOptions): Promise<Uint8Array> {
  const { default: sharp } = await import('sharp');
  let pipeline = sharp(bytes, { failOn: 'error' });
  if (options.width !== undefined || options.height !== undefined) {
    pipeline = pipeline.resize({ width: options.width, height: options.height, fit: 'inside', withoutEnlargement: true });
  }
  const quality = options.quality === undefined ? {} : { quality: options.quality };
  return new Uint8Array(await pipeline.toFormat(options.format, quality).toBuffer());
}
