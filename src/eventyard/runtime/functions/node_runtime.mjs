// eventyard's Lambda Runtime API client for Node.js handlers.
//
// AWS's own client (npm aws-lambda-ric) needs Node >= 22; this small client speaks the
// same Runtime API (next / response / error / init error) for the node installed on the
// server, and gives handlers what Lambda's Node runtime gives them: async or callback
// handlers, the context object, console output framed on _LAMBDA_TELEMETRY_LOG_FD as
// "<time>\t<requestId>\t<LEVEL>\t<message>", and error documents {errorType, errorMessage, trace}.
// Usage: node node_runtime.mjs <module.handler>

import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import util from "node:util";
import { pathToFileURL } from "node:url";

const API = process.env.AWS_LAMBDA_RUNTIME_API;
const [host, port] = API.split(":");
const BASE = "/2018-06-01/runtime";
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const TASK_ROOT = process.env.LAMBDA_TASK_ROOT || process.cwd();
const JSON_LOGS = (process.env.AWS_LAMBDA_LOG_FORMAT || "").toUpperCase() === "JSON";

let telemetryFd = null;
if (process.env._LAMBDA_TELEMETRY_LOG_FD) {
  telemetryFd = Number(process.env._LAMBDA_TELEMETRY_LOG_FD);
  delete process.env._LAMBDA_TELEMETRY_LOG_FD;
}
let currentRequestId = undefined;

function writeFrame(message, level) {
  const body = Buffer.from(message, "utf8");
  const header = Buffer.alloc(16);
  header.writeUInt32BE(0xa55a0003, 0);
  header.writeUInt32BE(body.length, 4);
  header.writeBigUInt64BE(BigInt(Date.now()) * 1000n, 8);
  fs.writeSync(telemetryFd, Buffer.concat([header, body]));
}

function logLine(level, args) {
  const text = util.format(...args);
  const time = new Date().toISOString();
  const line = JSON_LOGS
    ? JSON.stringify({ timestamp: time, level, requestId: currentRequestId, message: text })
    : `${time}\t${currentRequestId}\t${level}\t${text}\n`;
  if (telemetryFd !== null) writeFrame(line, level);
  else process.stdout.write(JSON_LOGS ? line + "\n" : line);
}

for (const [name, level] of [["log", "INFO"], ["info", "INFO"], ["warn", "WARN"], ["error", "ERROR"],
  ["debug", "DEBUG"], ["trace", "TRACE"], ["fatal", "FATAL"]]) {
  console[name] = (...args) => logLine(level, args);
}

function request(method, urlPath, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(body, "utf8");
    const req = http.request({ host, port, method, path: BASE + urlPath, agent,
      headers: payload === undefined ? headers : { ...headers, "Content-Type": "application/json", "Content-Length": payload.length } },
    (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

function errorDocument(error) {
  if (error instanceof Error) {
    return { errorType: error.name || "Error", errorMessage: error.message,
      trace: typeof error.stack === "string" ? error.stack.split("\n") : [] };
  }
  let message;
  try { message = JSON.stringify(error); } catch { message = String(error); }
  return { errorType: typeof error === "string" ? "string" : typeof error, errorMessage: message, trace: [] };
}

function errorTypeHeader(doc) {
  return /^(Runtime|Function)\.[A-Z]/.test(doc.errorType) ? doc.errorType : "Function.Unhandled";
}

async function initError(doc) {
  logLine("ERROR", [`${doc.errorType}: ${doc.errorMessage}`]);
  try {
    await request("POST", "/init/error", JSON.stringify(doc), { "Lambda-Runtime-Function-Error-Type": doc.errorType });
  } finally {
    process.exit(1);
  }
}

function moduleFile(modulePath) {
  for (const ext of [".js", ".mjs", ".cjs"]) {
    const candidate = path.resolve(TASK_ROOT, modulePath + ext);
    if (fs.existsSync(candidate)) return candidate;
  }
  return null;
}

async function loadHandler(spec) {
  const slash = spec.lastIndexOf("/");
  const dir = spec.slice(0, slash + 1);
  const rest = spec.slice(slash + 1);
  const dot = rest.indexOf(".");
  if (dot < 1) {
    return initError({ errorType: "Runtime.MalformedHandlerName", errorMessage: "Bad handler", trace: [] });
  }
  const moduleName = rest.slice(0, dot);
  const file = moduleFile(dir + moduleName);
  if (file === null) {
    return initError({ errorType: "Runtime.ImportModuleError",
      errorMessage: `Error: Cannot find module '${moduleName}'\nRequire stack:\n- ${import.meta.url.replace("file://", "")}`,
      trace: [`Runtime.ImportModuleError: Error: Cannot find module '${moduleName}'`] });
  }
  let mod;
  try {
    mod = await import(pathToFileURL(file).href);
  } catch (error) {
    const doc = errorDocument(error);
    if (error instanceof SyntaxError) doc.errorType = "Runtime.UserCodeSyntaxError";
    else if (error && error.code === "ERR_MODULE_NOT_FOUND") doc.errorType = "Runtime.ImportModuleError";
    return initError(doc);
  }
  let handler = mod;
  for (const part of rest.slice(dot + 1).split(".")) {
    handler = handler === undefined || handler === null ? undefined
      : (handler[part] !== undefined ? handler[part] : (handler.default ? handler.default[part] : undefined));
  }
  if (typeof handler !== "function") {
    return initError({ errorType: "Runtime.HandlerNotFound",
      errorMessage: `${spec} is undefined or not exported`, trace: [] });
  }
  return handler;
}

function makeContext(headers) {
  const deadline = Number(headers["lambda-runtime-deadline-ms"]);
  const context = {
    callbackWaitsForEmptyEventLoop: true,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    invokedFunctionArn: headers["lambda-runtime-invoked-function-arn"],
    awsRequestId: headers["lambda-runtime-aws-request-id"],
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  if (headers["lambda-runtime-client-context"]) context.clientContext = JSON.parse(headers["lambda-runtime-client-context"]);
  if (headers["lambda-runtime-cognito-identity"]) context.identity = JSON.parse(headers["lambda-runtime-cognito-identity"]);
  return context;
}

function runHandler(handler, event, context) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const callback = (error, result) => {
      if (settled) return;
      settled = true;
      if (error !== undefined && error !== null) reject(error);
      else resolve(result);
    };
    context.done = callback;
    context.succeed = (result) => callback(null, result);
    context.fail = (error) => callback(error === undefined ? new Error("handled") : error);
    try {
      const returned = handler(event, context, callback);
      if (returned && typeof returned.then === "function") {
        returned.then((value) => callback(null, value), (error) => callback(error === undefined ? null : error));
      } else if (handler.length < 3) {
        callback(null, returned);
      }
    } catch (error) {
      callback(error);
    }
  });
}

async function main() {
  const handler = await loadHandler(process.argv[2] || process.env._HANDLER);
  let inFlight = null;
  const crash = async (error) => {
    // An error outside the handler's promise: Lambda reports it and the runtime exits.
    if (inFlight !== null) {
      const doc = errorDocument(error);
      doc.errorType = error instanceof Error ? "Runtime.UnhandledPromiseRejection" : doc.errorType;
      logLine("ERROR", [`Unhandled Promise Rejection \t${JSON.stringify(doc)}`]);
      try {
        await request("POST", `/invocation/${inFlight}/error`, JSON.stringify(doc),
          { "Lambda-Runtime-Function-Error-Type": errorTypeHeader(doc) });
      } catch { /* the invoker learns it from the exit */ }
    }
    process.exit(128);
  };
  process.on("unhandledRejection", crash);
  process.on("uncaughtException", crash);
  for (;;) {
    const next = await request("GET", "/invocation/next");
    const requestId = next.headers["lambda-runtime-aws-request-id"];
    currentRequestId = requestId;
    inFlight = requestId;
    if (next.headers["lambda-runtime-trace-id"]) process.env._X_AMZN_TRACE_ID = next.headers["lambda-runtime-trace-id"];
    let outcome;
    try {
      const event = next.body.length ? JSON.parse(next.body.toString("utf8")) : null;
      const result = await runHandler(handler, event, makeContext(next.headers));
      outcome = { ok: true, body: result === undefined ? "null" : JSON.stringify(result) };
    } catch (error) {
      const doc = errorDocument(error);
      logLine("ERROR", [`Invoke Error \t${JSON.stringify(doc)}`]);
      outcome = { ok: false, doc };
    }
    inFlight = null;
    if (outcome.ok) {
      await request("POST", `/invocation/${requestId}/response`, outcome.body);
    } else {
      await request("POST", `/invocation/${requestId}/error`, JSON.stringify(outcome.doc),
        { "Lambda-Runtime-Function-Error-Type": errorTypeHeader(outcome.doc) });
    }
  }
}

main();
