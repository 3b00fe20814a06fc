// Starts @vercel/cosmosdb-server over plain HTTP on 127.0.0.1 only (its CLI listens on every
// interface). Prints "listening <port>" once ready. Stops itself when the parent closes stdin
// or after MAX_LIFETIME_SECONDS, so a crashed test run never leaves it behind.
const readDocument = require("@vercel/cosmosdb-server/lib/handler/read-document");

// The server answers a point read of a missing item with 500 (it dereferences the absent item);
// Cosmos DB answers 404, and our store relies on that. Correct only that case.
const readExisting = readDocument.default;
readDocument.default = (account, req, res, params) => {
  try {
    return readExisting(account, req, res, params);
  } catch (err) {
    if (!(err instanceof TypeError)) throw err;
    res.statusCode = 404;
    return { code: "NotFound", message: "Entity with the specified id does not exist in the system." };
  }
};

// Cosmos DB's ETags are quoted HTTP entity tags ("\"…\""); the server's are bare UUIDs. Quote them
// where every item is stored, so If-Match round-trips exactly as it does against Cosmos DB.
const Items = require("@vercel/cosmosdb-server/lib/account/items").default;
const storeItem = Items.prototype._set;
Items.prototype._set = function (data) {
  if (typeof data._etag === "string" && !data._etag.startsWith('"')) data._etag = `"${data._etag}"`;
  return storeItem.call(this, data);
};

// Time to live, as Cosmos DB documents it: with no defaultTtl on the container nothing expires (an item's
// own ttl is ignored); defaultTtl -1 means items expire only by their own ttl; an item's ttl overrides the
// container's, and -1 keeps it for ever. Expired items are gone for every read and query. The clock can
// be moved forward by the tests (POST /_test/clock), as their FakeTimeProvider moves the SQLite store's.
const getValue = require("@vercel/cosmosdb-server/lib/utils/get-value").default;
let clockOffsetSeconds = 0;
const nowSeconds = () => Date.now() / 1000 + clockOffsetSeconds;
const expired = (items, data) => {
  const parent = items._parent && typeof items._parent.read === "function" ? items._parent.read() : null;
  const containerTtl = parent ? parent.defaultTtl : undefined;
  if (typeof containerTtl !== "number" || !data || typeof data._ts !== "number") return false;
  const ttl = typeof data.ttl === "number" ? data.ttl : containerTtl;
  // _ts has whole seconds, so time is compared in whole seconds too.
  return ttl !== -1 && Math.floor(nowSeconds()) > data._ts + ttl;
};
// Straight from the maps: the package's own delete looks the item up again, which would expire it again.
const remove = (items, data) => {
  const partition = items._getPartition(data);
  for (const keyPath of items._uniqueKeyPaths) {
    items._index.delete(items._getId(keyPath, getValue(keyPath.slice(1).split("/"), data), partition));
  }
  items._data.delete(data._rid);
};
const purgeExpired = items => {
  for (const item of [...items._data.values()]) {
    const data = item.read();
    if (expired(items, data)) remove(items, data);
  }
};
const findItem = Items.prototype._item;
Items.prototype._item = function (keyPath, keyPathValue, partition) {
  const item = findItem.call(this, keyPath, keyPathValue, partition);
  if (!expired(this, item.read())) return item;
  remove(this, item.read());
  return findItem.call(this, keyPath, keyPathValue, partition);
};
for (const method of ["query", "read"]) {
  const original = Items.prototype[method];
  Items.prototype[method] = function (...args) {
    purgeExpired(this);
    return original.apply(this, args);
  };
}

// Transactional batch, as Cosmos DB documents it: at most 100 operations, all in the partition the request
// names, applied in order and all or nothing. A failure answers 207 with the failing operation's own status
// and 424 for every other; nothing is written. The package's own batch is neither atomic nor checked. The
// .NET SDK sends batches as HybridRow; CosmosTestServer's front translates them to this JSON and back.
const json = require("@vercel/cosmosdb-server/lib/json").default;
const documentOperations = require("@vercel/cosmosdb-server/lib/handler/_document-operations");
const { parsePartitionKey } = require("@vercel/cosmosdb-server/lib/utils/get-partition-from-header");
const batchDocuments = require("@vercel/cosmosdb-server/lib/handler/batch-documents");
const maxBatchOperations = 100;
const operationsByType = {
  Create: documentOperations.createOperation,
  Upsert: documentOperations.upsertOperation,
  Read: documentOperations.readOperation,
  Replace: documentOperations.replaceOperation,
  Delete: documentOperations.deleteOperation,
};
const badRequest = (res, message) => {
  res.statusCode = 400;
  return { code: "BadRequest", message };
};
batchDocuments.default = async (account, req, res, { dbId, collId }) => {
  const operations = await json(req);
  const collection = account.database(dbId).collection(collId);
  if (!collection.read()) {
    res.statusCode = 404;
    return { code: "NotFound", message: "The container does not exist." };
  }
  if (!Array.isArray(operations) || operations.length === 0) return badRequest(res, "A batch needs at least one operation.");
  if (operations.length > maxBatchOperations) return badRequest(res, `A batch can have at most ${maxBatchOperations} operations.`);
  const header = req.headers["x-ms-documentdb-partitionkey"];
  let partition;
  try {
    partition = parsePartitionKey(Array.isArray(header) ? header[0] : header);
  } catch (err) {
    return badRequest(res, "A batch must name its partition key.");
  }
  const items = collection.documents;
  const partitionPath = items._getPartitionKeyPath();
  for (const operation of operations) {
    if (!operation || !operationsByType[operation.operationType]) {
      return badRequest(res, `Operation type '${operation && operation.operationType}' is not supported in a batch.`);
    }
    if (operation.resourceBody && getValue(partitionPath, operation.resourceBody) !== partition) {
      return badRequest(res, "Every operation of a batch must be in the batch's partition.");
    }
  }

  const before = { data: new Map(items._data), index: new Map(items._index), ridCount: items._ridCount };
  const results = [];
  for (let i = 0; i < operations.length; i += 1) {
    const result = operationsByType[operations[i].operationType](collection, { ...operations[i], partitionKey: JSON.stringify([partition]) });
    if (result.statusCode >= 400) {
      items._data = before.data;
      items._index = before.index;
      items._ridCount = before.ridCount;
      res.statusCode = 207;
      return operations.map((_, j) => (j === i ? { statusCode: result.statusCode } : { statusCode: 424 }));
    }
    results.push({ statusCode: result.statusCode, eTag: result.body ? result.body._etag : undefined, resourceBody: result.body });
  }
  res.statusCode = 200;
  return results;
};

// Cosmos DB answers a request for items of a container (or database) that does not exist 404 with sub-status
// 1003, "owner resource does not exist", which tells it from a missing item; the package answers a bare 404.
const ownerResourceNotFound = 1003;
for (const name of ["read-document", "read-documents", "create-document", "upsert-document", "replace-document",
  "patch-document", "delete-document", "query-documents", "batch-documents"]) {
  const handler = require(`@vercel/cosmosdb-server/lib/handler/${name}`);
  const inner = handler.default;
  handler.default = (account, req, res, params) => {
    if (!account.database(params.dbId).collection(params.collId).read()) {
      res.statusCode = 404;
      res.setHeader("x-ms-substatus", String(ownerResourceNotFound));
      return { code: "NotFound", message: "Owner resource does not exist" };
    }
    return inner(account, req, res, params);
  };
}

// Loaded after the corrections above, because its routing table captures the handlers on load.
const { createHttpServer } = require("@vercel/cosmosdb-server");

const port = Number(process.env.PORT || 0);
const maxLifetimeSeconds = Number(process.env.MAX_LIFETIME_SECONDS || 1800);

// The package's server, with one route of our own in front of its handler.
const server = createHttpServer();
const cosmos = server.listeners("request")[0];
server.removeAllListeners("request");
server.on("request", (req, res) => {
  if (req.method === "POST" && req.url === "/_test/clock") {
    json(req).then(body => {
      clockOffsetSeconds += Number(body.advanceSeconds) || 0;
      res.statusCode = 204;
      res.end();
    });
    return;
  }
  cosmos(req, res);
});
server.listen(port, "127.0.0.1", () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});

const stop = () => server.close(() => process.exit(0));
process.stdin.on("end", stop);
process.stdin.on("error", stop);
process.stdin.resume();
setTimeout(() => process.exit(0), maxLifetimeSeconds * 1000).unref();
process.on("SIGTERM", stop);
