/**
 * Guest modules that most functions never use, loaded on first use to keep isolate start-up
 * short (every module evaluated at start costs every isolate). `require` makes esbuild wrap each
 * one in a lazy initialiser. A class whose module was never loaded has no instances, so
 * `loaded()` lets hot code skip `instanceof` checks without loading anything.
 */
import { streamOfBytes } from './streams.ts';
import type * as BlobModule from './blob.ts';
import type * as FormDataModule from './form-data.ts';
import type * as SearchParamsModule from './url-search-params.ts';
import type * as CookiesModule from './cookies.ts';
import type * as Base64Module from './base64.ts';
import type * as CryptoModule from './crypto.ts';
import type * as CacheModule from './cache.ts';
import type * as CloneModule from './structured-clone.ts';
import type * as MessagingModule from './message-channel.ts';

declare function require(id: string): unknown;

let blob: typeof BlobModule | undefined;
let formData: typeof FormDataModule | undefined;
let searchParams: typeof SearchParamsModule | undefined;
let cookies: typeof CookiesModule | undefined;
let base64: typeof Base64Module | undefined;
let crypto: typeof CryptoModule | undefined;
let cache: typeof CacheModule | undefined;
let clone: typeof CloneModule | undefined;
let messaging: typeof MessagingModule | undefined;

export const lazy = {
  blob: (): typeof BlobModule => {
    if (!blob) {
      blob = require('./blob.ts') as typeof BlobModule;
      blob.setBlobStreamFactory(streamOfBytes);
    }
    return blob;
  },
  formData: () => (formData ??= require('./form-data.ts') as typeof FormDataModule),
  searchParams: () => (searchParams ??= require('./url-search-params.ts') as typeof SearchParamsModule),
  cookies: () => (cookies ??= require('./cookies.ts') as typeof CookiesModule),
  base64: () => (base64 ??= require('./base64.ts') as typeof Base64Module),
  crypto: () => (crypto ??= require('./crypto.ts') as typeof CryptoModule),
  cache: () => (cache ??= require('./cache.ts') as typeof CacheModule),
  clone: () => (clone ??= require('./structured-clone.ts') as typeof CloneModule),
  messaging: () => (messaging ??= require('./message-channel.ts') as typeof MessagingModule),
};

/** The modules loaded so far (undefined: never loaded, so no instance of its classes exists). */
export function loaded(): { blob?: typeof BlobModule; formData?: typeof FormDataModule; searchParams?: typeof SearchParamsModule } {
  return { blob, formData, searchParams };
}
