/** The OpenAPI 3 document of the HTTP API, generated from the route table. */
import type { Route } from './router.ts';

const errorSchema = {
  type: 'object',
  properties: { error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } }, required: ['code', 'message'] } },
};

export function openApiDocument(routes: Route[]): object {
  const paths: Record<string, Record<string, object>> = {};
  for (const route of routes) {
    const params = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    paths[route.path] ??= {};
    paths[route.path]![route.method.toLowerCase()] = {
      summary: route.summary,
      parameters: params,
      ...(['POST', 'PUT', 'PATCH'].includes(route.method) ? { requestBody: { content: { 'application/json': { schema: { type: 'object' } } } } } : {}),
      responses: {
        default: { description: 'Error', content: { 'application/json': { schema: errorSchema } } },
        [route.method === 'DELETE' ? '204' : route.method === 'POST' ? '201' : '200']: { description: 'Success' },
      },
    };
  }
  return {
    openapi: '3.0.3',
    info: { title: 'edgefn API', version: '1' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths,
  };
}
