/** Fetch and HTTP grammar the guest's classes share. */

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** RFC 9110 `token`: a header name, a method, a cookie name. */
export function isHttpToken(value: string): boolean {
  return TOKEN.test(value);
}
