/**
 * What a geo database does not say itself, from a table made by scripts/make-geo-names.mjs (CLDR
 * and ISO 3166 data): a country's alpha-3 and numeric codes and English name, and the ISO 3166-2
 * code of a subdivision the database only names ("Guangdong" → "GD"), which region rules
 * (`CN.GD`) and EdgeOne's `regionCode` need.
 */
import table from './geo-names.json' with { type: 'json' };

interface GeoNames {
  generic: string[];
  countries: Record<string, [alpha3: string, numeric: number, name: string]>;
  regions: Record<string, Record<string, string>>;
}

const names = table as unknown as GeoNames;
const generic = new Set(names.generic);
const countries = new Map(Object.entries(names.countries));
const regionsByCountry = new Map(Object.entries(names.regions).map(([alpha2, regions]) => [alpha2, new Map(Object.entries(regions))]));

/** The key the table knows a name by: ASCII letters and digits, lower case, single spaces. */
export function normaliseName(name: string): string {
  return name
    .replace(/[¹²³]/g, '')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/** EdgeOne's country fields for an ISO 3166-1 alpha-2 code, if it is one. */
export function countryOf(alpha2: string): { countryCodeAlpha3: string; countryCodeNumeric: number; countryName: string } | undefined {
  const entry = countries.get(alpha2);
  return entry ? { countryCodeAlpha3: entry[0], countryCodeNumeric: entry[1], countryName: entry[2] } : undefined;
}

/** The ISO 3166-2 code (without the country) of a subdivision named `name` in `alpha2`, if known. */
export function regionCodeOf(alpha2: string, name: string): string | undefined {
  const regions = regionsByCountry.get(alpha2);
  if (!regions) return undefined;
  const key = normaliseName(name);
  // "Pest County" is Pest and "State of Vienna" is Vienna: try again without such words.
  return regions.get(key) ?? regions.get(key.split(' ').filter((word) => !generic.has(word)).join(' '));
}
