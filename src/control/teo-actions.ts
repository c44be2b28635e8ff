/**
 * The EdgeOne API's function, replica and env var actions (teo 2022-09-01), each mapped onto the
 * control plane that `/api/v1` uses: one set of rules, limits and error codes. Every action names
 * its zone; a function of another zone is "not found", as one that does not exist.
 */
import type { ControlPlane } from './services.ts';
import { badValue, filtersOf, objectList, optionalText, paging, paramsOf, passes, requiredText, tencentTime, textList, type Params } from './teo-input.ts';

/** One action: the parameters it takes (any other is UnknownParameter) and what it does. */
export interface TeoAction {
  params: readonly string[];
  run(p: Params): Promise<Record<string, unknown>>;
}

export type TeoActions = Record<string, TeoAction>;

/** Reads the body as this action's parameters, then runs it. */
export function runAction(action: TeoAction, body: unknown): Promise<Record<string, unknown>> {
  return action.run(paramsOf(body, action.params));
}

/** The function the parameters name, if it is in the zone they name; otherwise not found. */
function functionOf(c: ControlPlane, p: Params) {
  return c.functionInZone(requiredText(p, 'ZoneId'), requiredText(p, 'FunctionId'));
}

function functionActions(c: ControlPlane): TeoActions {
  return {
    CreateFunction: {
      params: ['ZoneId', 'Name', 'Content', 'Remark'],
      run: async (p) => {
        const remark = optionalText(p, 'Remark');
        const zoneId = requiredText(p, 'ZoneId');
        await c.getZone(zoneId);
        const fn = await c.createFunction({ zoneId, name: requiredText(p, 'Name'), content: requiredText(p, 'Content'), ...(remark !== undefined ? { remark } : {}) });
        return { FunctionId: fn.id };
      },
    },
    ModifyFunction: {
      params: ['ZoneId', 'FunctionId', 'Remark', 'Content'],
      run: async (p) => {
        const fn = await functionOf(c, p);
        const content = optionalText(p, 'Content');
        const remark = optionalText(p, 'Remark');
        // EdgeOne has no sync action: "sync to production" is ModifyFunction with the replica's
        // code, which is recorded as that replica's sync (version source `sync:<name>`, its
        // rollout and shadow end), as the console's sync would be.
        await c.updateFunction(fn.id, { ...(content !== undefined ? { content } : {}), ...(remark !== undefined ? { remark } : {}) }, { asReplicaSync: true });
        return {};
      },
    },
    DeleteFunction: {
      params: ['ZoneId', 'FunctionId'],
      run: async (p) => {
        const fn = await functionOf(c, p);
        await c.deleteFunction(fn.id);
        return {};
      },
    },
    DescribeFunctions: {
      params: ['ZoneId', 'FunctionIds', 'Filters', 'Offset', 'Limit'],
      run: async (p) => {
        const zoneId = requiredText(p, 'ZoneId');
        const ids = textList(p, 'FunctionIds');
        const filters = filtersOf(p, ['name', 'remark'], ['name', 'remark']);
        const { offset, limit } = paging(p);
        const all = (await c.listFunctions(zoneId)).filter((fn) => (ids === undefined || ids.includes(fn.id)) && passes(filters, 'name', fn.name) && passes(filters, 'remark', fn.remark));
        const page = all.slice(offset, offset + limit);
        const Functions = await Promise.all(page.map(async (fn) => ({
          FunctionId: fn.id,
          ZoneId: fn.zoneId,
          Name: fn.name,
          Remark: fn.remark,
          Content: (await c.getVersion(fn.id, fn.productionVersion.id)).content,
          Domain: fn.domain,
          CreateTime: tencentTime(fn.createdAt),
          UpdateTime: tencentTime(fn.updatedAt),
        })));
        return { TotalCount: all.length, Functions };
      },
    },
  };
}

function replicaActions(c: ControlPlane): TeoActions {
  return {
    CreateFunctionReplica: {
      params: ['ZoneId', 'FunctionId', 'ReplicaName', 'Content', 'Remark'],
      run: async (p) => {
        const fn = await functionOf(c, p);
        const remark = optionalText(p, 'Remark');
        await c.createReplica(fn.id, { name: requiredText(p, 'ReplicaName'), content: requiredText(p, 'Content'), ...(remark !== undefined ? { remark } : {}) });
        return {};
      },
    },
    ModifyFunctionReplica: {
      params: ['ZoneId', 'FunctionId', 'ReplicaName', 'Content', 'Remark'],
      run: async (p) => {
        const fn = await functionOf(c, p);
        const content = optionalText(p, 'Content');
        const remark = optionalText(p, 'Remark');
        await c.updateReplica(fn.id, requiredText(p, 'ReplicaName'), { ...(content !== undefined ? { content } : {}), ...(remark !== undefined ? { remark } : {}) });
        return {};
      },
    },
    DeleteFunctionReplica: {
      params: ['ZoneId', 'FunctionId', 'ReplicaNames'],
      run: async (p) => {
        const fn = await functionOf(c, p);
        const names = textList(p, 'ReplicaNames', { required: true, max: 20 })!;
        if (names.length === 0) throw badValue('ReplicaNames', 'it must name at least one replica');
        await c.deleteReplicas(fn.id, names);
        return {};
      },
    },
    DescribeFunctionReplicas: {
      params: ['ZoneId', 'FunctionId', 'Offset', 'Limit', 'SortBy', 'SortOrder', 'Filters'],
      run: async (p) => {
        const fn = await functionOf(c, p);
        const { offset, limit } = paging(p);
        const sortBy = optionalText(p, 'SortBy') ?? 'created-on';
        if (sortBy !== 'created-on') throw badValue('SortBy', 'it must be created-on');
        const order = optionalText(p, 'SortOrder') ?? 'asc';
        if (order !== 'asc' && order !== 'desc') throw badValue('SortOrder', 'it must be asc or desc');
        const filters = filtersOf(p, ['replica-name'], [], true);
        const all = (await c.listReplicas(fn.id)).filter((r) => passes(filters, 'replica-name', r.name));
        all.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.name < b.name ? -1 : 1) * (order === 'asc' ? 1 : -1));
        const FunctionReplicas = await Promise.all(all.slice(offset, offset + limit).map(async (r) => ({
          FunctionId: fn.id,
          ReplicaName: r.name,
          Content: (await c.getReplica(fn.id, r.name)).content,
          Remark: r.remark,
          CreatedOn: tencentTime(r.createdAt),
          ModifiedOn: tencentTime(r.modifiedAt),
        })));
        return { TotalCount: all.length, FunctionReplicas };
      },
    },
  };
}

const envOperations = ['setEnvironmentVariable', 'deleteEnvironmentVariable', 'clearEnvironmentVariable', 'resetEnvironmentVariable'] as const;

function envActions(c: ControlPlane): TeoActions {
  return {
    DescribeFunctionRuntimeEnvironment: {
      params: ['ZoneId', 'FunctionId'],
      run: async (p) => {
        const fn = await functionOf(c, p);
        // Secrets are edgefn's own kind of variable: write-only, so never listed here.
        const vars = (await c.listEnv(fn.id)).filter((v) => v.type !== 'secret');
        return { EnvironmentVariables: vars.map((v) => ({ Key: v.key, Value: v.value, Type: v.type })) };
      },
    },
    HandleFunctionRuntimeEnvironment: {
      params: ['ZoneId', 'FunctionId', 'Operation', 'EnvironmentVariables'],
      run: async (p) => {
        const fn = await functionOf(c, p);
        const operation = requiredText(p, 'Operation');
        if (!(envOperations as readonly string[]).includes(operation)) throw badValue('Operation', `it must be one of ${envOperations.join(', ')}`);
        // The model makes the list required for every operation but clearing; one key at most once.
        const vars = objectList(p, 'EnvironmentVariables', ['Key', 'Value', 'Type'], (item, path) => {
          const type = optionalText(item, 'Type', path) ?? 'string';
          if (type !== 'string' && type !== 'json') throw badValue(`${path}Type`, 'it must be string or json');
          return { key: requiredText(item, 'Key', path), value: optionalText(item, 'Value', path) ?? '', type: type as 'string' | 'json' };
        }, { required: operation !== 'clearEnvironmentVariable', max: 64 }) ?? [];
        if (new Set(vars.map((v) => v.key)).size !== vars.length) throw badValue('EnvironmentVariables', 'each Key may appear once');
        // This API cannot see secrets: it never removes or replaces one (keepSecrets refuses).
        const edit = { keepSecrets: true as const };
        if (operation === 'setEnvironmentVariable') await c.editEnv(fn.id, { ...edit, set: vars });
        else if (operation === 'deleteEnvironmentVariable') await c.editEnv(fn.id, { ...edit, remove: vars.map((v) => v.key) });
        else if (operation === 'clearEnvironmentVariable') await c.editEnv(fn.id, { ...edit, clearPlain: true });
        else await c.editEnv(fn.id, { ...edit, clearPlain: true, set: vars });
        return {};
      },
    },
  };
}

/** Every function, replica and env var action, by name. */
export function teoFunctionActions(c: ControlPlane): TeoActions {
  return { ...functionActions(c), ...replicaActions(c), ...envActions(c) };
}
