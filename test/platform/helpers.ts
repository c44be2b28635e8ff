/**
 * The API's response shapes as the contract tests expect them (written from the issue, not
 * imported from src/, so the tests check the implementation rather than repeat it), and small
 * setup steps. Starting the platform and the client live in test/helpers/platform.ts.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { sw, type Api } from '../helpers/platform.ts';

export { apiClient, assertError, startPlatform, sw, type Answer, type Api, type CallOptions, type ErrorBody, type Platform } from '../helpers/platform.ts';

export const suffix = 'edgefunctions.localhost';

export interface ZoneView {
  id: string;
  name: string;
  origin: string;
}

export interface VersionRef {
  id: string;
  sha256: string;
  source: string;
  createdAt: string;
}

export interface FunctionView {
  id: string;
  zoneId: string;
  name: string;
  remark: string;
  domain: string;
  productionVersion: VersionRef;
  createdAt: string;
  updatedAt: string;
}

export interface VersionView extends VersionRef {
  remark: string;
  content?: string;
}

export interface ReplicaView {
  functionId: string;
  name: string;
  remark: string;
  revision: number;
  createdAt: string;
  modifiedAt: string;
  content?: string;
}

export interface EnvView {
  key: string;
  type: string;
  value?: string;
}

/** Creates a zone named `name` (origin http://127.0.0.1:9) and returns it. */
export async function createZone(api: Api, name: string): Promise<ZoneView> {
  const answer = await api<ZoneView>('POST', '/api/v1/zones', { name, origin: 'http://127.0.0.1:9' });
  assert.equal(answer.status, 201, answer.text);
  return answer.body;
}

/** Creates a function and returns it. */
export async function createFunction(api: Api, zoneId: string, name: string, content = sw(name), remark?: string): Promise<FunctionView> {
  const answer = await api<FunctionView>('POST', '/api/v1/functions', { zoneId, name, content, ...(remark !== undefined ? { remark } : {}) });
  assert.equal(answer.status, 201, answer.text);
  return answer.body;
}

/** The hex SHA-256 of `text` in UTF-8. */
export const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex');
