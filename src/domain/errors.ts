/**
 * The one error type of edgefn. Codes follow EdgeOne's naming (`Group.Detail`); every code has one
 * HTTP status in {@link statusOf}. Messages are safe to show to users: never put secrets in them.
 */
export class EdgefnError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'EdgefnError';
    this.code = code;
    this.details = details;
  }
}

const statuses = {
  // Bad input: the message names the broken rule.
  'InvalidParameter.InvalidParameter': 400,
  'InvalidParameter.BadContent': 400,
  'InvalidParameter.ContentExceedsLimit': 400,
  'InvalidParameter.BadFunctionName': 400,
  'InvalidParameter.BadReplicaName': 400,
  'InvalidParameter.BadZoneName': 400,
  'InvalidParameter.BadOrigin': 400,
  'InvalidParameter.BadEnvironmentVariable': 400,
  'InvalidParameter.LengthExceedsLimit': 400,
  'InvalidParameter.InvalidConditions': 400,
  'InvalidParameter.InvalidRuleOrder': 400,
  'InvalidParameter.InvalidHost': 400,
  'InvalidParameter.InvalidRequestTarget': 400,
  'InvalidParameter.ConfirmationRequired': 400,
  'InvalidParameter.FunctionNameConflict': 409,
  'InvalidParameter.ReplicaNameConflict': 409,
  'InvalidParameter.ZoneNameConflict': 409,
  'LimitExceeded.FunctionLimitExceeded': 400,
  'LimitExceeded.ReplicaLimitExceeded': 400,
  'LimitExceeded.RuleLimitExceeded': 400,
  'LimitExceeded.EnvironmentVariableLimitExceeded': 400,
  'LimitExceeded.ApiKeyLimitExceeded': 400,
  // Too many follow streams of invocation logs open at once on this server; one leaving frees a place.
  'LimitExceeded.LogFollowerLimitExceeded': 429,
  'ResourceUnavailable.ZoneNotFound': 404,
  'ResourceUnavailable.FunctionNotFound': 404,
  'ResourceUnavailable.ReplicaNotFound': 404,
  'ResourceUnavailable.VersionNotFound': 404,
  'ResourceUnavailable.RuleNotFound': 404,
  'ResourceUnavailable.EnvironmentVariableNotFound': 404,
  'ResourceUnavailable.ApiKeyNotFound': 404,
  'ResourceNotFound.Route': 404,
  'UnsupportedOperation.MethodNotAllowed': 405,
  'ResourceNotFound.Host': 404,
  'FailedOperation.ProductionChanged': 409,
  'FailedOperation.TestRequestFailed': 502,
  'FailedOperation.FunctionInUse': 409,
  'FailedOperation.RolloutInProgress': 409,
  'FailedOperation.ShadowInProgress': 409,
  'FailedOperation.ReplicaRevisionConflict': 409,
  // The server runs with `--invocation-logs off`: no records are made, so none can be listed.
  'FailedOperation.InvocationLogsOff': 409,
  // The EdgeOne API may not replace or remove a secret env var: it cannot see secrets.
  'FailedOperation.SecretEnvironmentVariable': 409,
  'UnauthorizedOperation.Unauthorized': 401,
  // The EdgeOne-compatible API's signature checks (TC3-HMAC-SHA256), as Tencent Cloud names them;
  // that API answers every error with HTTP 200 and the code in the body, as Tencent Cloud does.
  'AuthFailure.InvalidAuthorization': 401,
  'AuthFailure.SecretIdNotFound': 401,
  'AuthFailure.SignatureExpire': 401,
  'AuthFailure.SignatureFailure': 401,
  'InvalidAction': 400,
  'InvalidParameterValue': 400,
  'MissingParameter': 400,
  'UnknownParameter': 400,
  'RequestSizeLimitExceeded': 413,
  'RequestLimitExceeded': 429,
  'InternalError.SystemError': 500,
  // Failures of one function execution, reported by the runtime and shown to clients in an
  // `EO-Function-Error` header.
  'FunctionRuntime.LoadError': 500,
  'FunctionRuntime.UncaughtException': 500,
  'FunctionRuntime.InvalidResponse': 500,
  'FunctionRuntime.CpuTimeExceeded': 503,
  'FunctionRuntime.MemoryExceeded': 503,
  'FunctionRuntime.SubrequestLimitExceeded': 500,
  'FunctionRuntime.WallTimeExceeded': 504,
  'FunctionRuntime.RequestBodyTooLarge': 413,
  'FunctionRuntime.OriginUnreachable': 502,
  'FunctionRuntime.ReplicaLaneUnavailable': 503,
  // A function with more requests waiting for its isolates than it may queue; others are unaffected.
  'FunctionRuntime.TooManyRequests': 503,
  // A request that functions sent back to the platform too deep or too often (508 Loop Detected).
  'FunctionRuntime.LoopDetected': 508,
} as const;

/** Every error code edgefn uses. */
export type ErrorCode = keyof typeof statuses;

/** The HTTP status that answers an error with this code. */
export function statusOf(code: ErrorCode): number {
  return statuses[code];
}

/** Seconds a client should wait before trying again, for failures that pass by themselves. */
export function retryAfterOf(code: ErrorCode): number | undefined {
  if (code === 'FunctionRuntime.TooManyRequests' || code === 'FunctionRuntime.ReplicaLaneUnavailable') return 1;
  return code === 'LimitExceeded.LogFollowerLimitExceeded' ? 5 : undefined;
}

/** Whether a string is one of edgefn's error codes. */
export function isErrorCode(value: string): value is ErrorCode {
  return Object.hasOwn(statuses, value);
}
