import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.ArrayFilters;
import de.bwaldvogel.mongo.backend.CollectionOptions;
import de.bwaldvogel.mongo.backend.CursorRegistry;
import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.IndexKey;
import de.bwaldvogel.mongo.backend.KeyValue;
import de.bwaldvogel.mongo.backend.QueryResult;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.h2.H2Collection;
import de.bwaldvogel.mongo.backend.h2.H2Database;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.bson.ObjectId;
import de.bwaldvogel.mongo.exception.KeyConstraintError;
import de.bwaldvogel.mongo.oplog.Oplog;
import de.bwaldvogel.mongo.wire.bson.BsonDecoder;
import de.bwaldvogel.mongo.wire.bson.BsonEncoder;
import de.bwaldvogel.mongo.wire.message.MongoMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;
import org.h2.mvstore.DataUtils;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.WriteBuffer;
import org.h2.mvstore.type.ObjectDataType;

/**
 * The gateway's embedded engine: mongo-java-server on an H2 MVStore file, bound to a free loopback
 * port, started by the gateway (src/store/javaEngine.ts) as a child process.
 *
 * H2 commits on a delay (about a second), so a write acknowledged just before the process dies
 * would be lost. This backend commits the store after every message that changed it, before the
 * reply leaves, and syncs the file: an acknowledged write survives the engine being killed.
 * Concurrent writers share a commit (group commit). The gateway's end of stdin closing means the
 * gateway has died: the engine closes its store and exits rather than outliving it.
 *
 * Usage: java DurableEngine <store file>. Prints "listening <port>" on stdout once it serves.
 */
public final class DurableEngine {

  /** More than the connections a gateway opens (the driver's pool, the liveness probe, monitors). */
  private static final int WORKER_THREADS = 128;

  /** H2's default: its background thread commits what is left and compacts the file. */
  private static final int BACKGROUND_COMMIT_MS = 1000;

  /**
   * How long a chunk no longer in use is kept before its space is written over. H2 keeps it 45 s in
   * case the file system reorders writes; every commit here is synced, so the window only has to let
   * a reader finish walking an older version (a scan of 100,000 people takes about a second). With
   * 45 s and a commit per write, the file grew without bound under steady updates: 1.3 GB after 80 s
   * of updates to 1 MB of documents, still growing; with 10 s it reached 380 MB, still growing
   * slowly; with 5 s it levelled off at 150 to 195 MB.
   */
  private static final int RETENTION_MS = 5_000;

  /** H2Backend that makes every change durable before answering, and changes indexes alone. */
  static final class CommittingBackend extends H2Backend {
    /**
     * Commands that change a collection's indexes or the collections themselves. mongo-java-server
     * does not guard its index lists or its collection catalogue: an index created while another
     * connection inserts into the same collection fails that insert (ConcurrentModificationException),
     * and two connections creating one collection fail one of them. Such commands run alone.
     */
    private static final Set<String> SCHEMA_COMMANDS = Set.of("createIndexes", "dropIndexes", "create", "drop", "dropDatabase", "renameCollection");
    /** Writes that create their collection when it does not exist yet (a creation too). */
    private static final Set<String> CREATING_WRITES = Set.of("insert", "update", "findAndModify");
    private final ReadWriteLock schema = new ReentrantReadWriteLock();
    private final MVStore store;

    CommittingBackend(MVStore store) {
      super(store);
      this.store = store;
    }

    @Override
    public Document handleMessage(MongoMessage message) {
      Lock lock = changesSchema(message) ? schema.writeLock() : schema.readLock();
      lock.lock();
      try {
        return super.handleMessage(message); // through handleCommand below, which commits
      } finally {
        lock.unlock();
      }
    }

    @Override
    public Document handleCommand(Channel channel, String database, String command, Document query) {
      try {
        return super.handleCommand(channel, database, command, query);
      } finally {
        if (!readsOnly(command, query)) commitChanges();
      }
    }

    // H2Backend's constructor opens the existing databases, before this class's fields are set.
    @Override
    protected MongoDatabase openOrCreateDatabase(String name) {
      return new KeyedLookupDatabase(name, getMvStore(), getCursorRegistry());
    }

    /**
     * Commands that never change the store. They answer without committing: a reader that committed
     * would wait for another connection's commit and fsync, and reads stood behind every write.
     * Anything not listed commits, as does an aggregation that writes ($out, $merge).
     */
    private static final Set<String> READ_COMMANDS = Set.of(
        "find", "getMore", "count", "distinct", "aggregate", "listCollections", "listIndexes", "listDatabases", "killCursors",
        "endSessions", "ping", "hello", "isMaster", "ismaster", "buildInfo", "buildinfo", "dbStats", "collStats", "serverStatus");

    static boolean readsOnly(String command, Document body) {
      if (!READ_COMMANDS.contains(command)) return false;
      if (!command.equals("aggregate")) return true;
      Object pipeline = body.get("pipeline");
      if (!(pipeline instanceof List)) return true;
      for (Object stage : (List<?>) pipeline) {
        if (stage instanceof Document && (((Document) stage).containsKey("$out") || ((Document) stage).containsKey("$merge"))) return false;
      }
      return true;
    }

    private boolean changesSchema(MongoMessage message) {
      Document body = message.getDocument();
      String command = body.keySet().stream().findFirst().orElse("");
      if (SCHEMA_COMMANDS.contains(command)) return true;
      Object collection = body.get(command);
      return CREATING_WRITES.contains(command)
          && collection instanceof String
          && resolveDatabase(message.getDatabaseName()).resolveCollection((String) collection, false) == null;
    }

    /**
     * Group commit: writers that arrive while another commits wait for it and usually find their
     * change in its commit, so one fsync serves them all. `syncing` makes a writer whose change
     * that commit already took wait for its fsync too, rather than answer before it.
     */
    private final Object committing = new Object();
    private volatile boolean syncing;

    private void commitChanges() {
      if (!store.hasUnsavedChanges() && !syncing) return;
      synchronized (committing) {
        if (!store.hasUnsavedChanges()) return;
        syncing = true;
        try {
          store.commit();
          store.sync(); // fsync too: an acknowledged write survives a power cut, not only a killed process
        } finally {
          syncing = false;
        }
      }
    }
  }

  /** The one store of this process. H2Database opens its collections from its constructor, before a subclass's fields are set. */
  private static MVStore store;

  /**
   * H2Database whose unique indexes also serve queries that name their keys among other fields,
   * and whose collections copy what they update and match `_id` lists by set.
   */
  static final class KeyedLookupDatabase extends H2Database {
    KeyedLookupDatabase(String name, MVStore store, CursorRegistry cursors) {
      super(name, store, cursors);
    }

    // The maps are named as H2Database names them (mongo-java-server 1.47.0), so existing files open unchanged.
    @Override
    protected MongoCollection<Object> openOrCreateCollection(String collectionName, CollectionOptions options) {
      String namespace = getFullCollectionNamespace(collectionName);
      MVMap<Object, Document> data = store.openMap("databases." + namespace, new MVMap.Builder<Object, Document>().valueType(new StoredValues()));
      MVMap<String, Object> meta = store.openMap("meta." + namespace);
      return new StoredCollection(this, collectionName, options, data, meta, cursorRegistry);
    }

    // The index's map is opened here with our key order; H2Database then opens the same map by name and gets this one.
    @Override
    protected Index<Object> openOrCreateUniqueIndex(String collection, String indexName, List<IndexKey> keys, boolean sparse) {
      String mapName = getFullCollectionNamespace(collection) + "._index_" + indexName;
      MVMap<KeyValue, Object> map = store.openMap(mapName, new MVMap.Builder<KeyValue, Object>().keyType(new IndexKeys()).valueType(new StoredValues()));
      IndexKeys.reorderOnce(store, mapName, map);
      return new KeyedLookupIndex<>(super.openOrCreateUniqueIndex(collection, indexName, keys, sparse), keys, sparse);
    }
  }

  /**
   * How documents and index positions are written to the store. H2's default type writes any
   * object it does not know with Java serialization, and mongo-java-server's documents and ObjectIds
   * are such objects: a write spent most of its time serializing, for the changed document and for
   * every other document of its page. Documents are written as BSON and ObjectIds as their 12 bytes,
   * under tags H2's type does not use; values written before (tagged by H2) are still read by H2.
   * One instance per map, as H2 does: the instance keeps a running estimate of its documents' size.
   */
  static class StoredValues extends ObjectDataType {
    private static final byte TAG_BSON_DOCUMENT = 121;
    private static final byte TAG_OBJECT_ID = 122;
    /** Memory of a document in H2's cache: twice its BSON size on average, as H2 estimates serialized objects. */
    private volatile int averageDocumentMemory = 1024;

    @Override
    public void write(WriteBuffer buff, Object value) {
      if (value instanceof Document document) {
        ByteBuf bson = Unpooled.buffer();
        BsonEncoder.encodeDocument(document, bson);
        int size = bson.readableBytes();
        buff.put(TAG_BSON_DOCUMENT).putVarInt(size).put(bson.array(), bson.arrayOffset() + bson.readerIndex(), size);
        averageDocumentMemory = (int) ((2L * size + 15L * averageDocumentMemory) / 16);
      } else if (value instanceof ObjectId id) {
        buff.put(TAG_OBJECT_ID).put(id.toByteArray());
      } else {
        super.write(buff, value);
      }
    }

    @Override
    public Object read(ByteBuffer buff) {
      byte tag = buff.get(buff.position());
      if (tag == TAG_BSON_DOCUMENT) {
        buff.get();
        int size = DataUtils.readVarInt(buff);
        ByteBuffer bson = buff.slice();
        bson.limit(size);
        buff.position(buff.position() + size);
        return BsonDecoder.decodeBson(Unpooled.wrappedBuffer(bson));
      }
      if (tag == TAG_OBJECT_ID) {
        buff.get();
        byte[] id = new byte[12];
        buff.get(id);
        return new ObjectId(id);
      }
      return super.read(buff);
    }

    @Override
    public int getMemory(Object value) {
      if (value instanceof Document) return averageDocumentMemory;
      if (value instanceof ObjectId) return 48;
      return super.getMemory(value);
    }
  }

  /**
   * Keys of unique indexes. H2 ordered them by comparing their Java serializations, serializing both
   * keys at every step of every lookup. Here they are ordered part by part (`compareParts`), which
   * keeps equal keys equal, and written like stored values.
   * A map written in the old order is put in the new one once, when first opened (`reorderOnce`).
   */
  static final class IndexKeys extends StoredValues {
    private static final byte TAG_KEY = 123;
    /** Index maps already in this order, by name (a map of its own in the store). */
    private static final String ORDERED = "dci-gateway.orderedIndexes";

    @Override
    public int compare(Object a, Object b) {
      if (!(a instanceof KeyValue x && b instanceof KeyValue y)) return super.compare(a, b);
      if (x.size() != y.size()) return Integer.compare(x.size(), y.size());
      for (int i = 0; i < x.size(); i++) {
        int order = compareParts(x.get(i), y.get(i));
        if (order != 0) return order;
      }
      return 0;
    }

    private static final List<Class<?>> RANKED = List.of(Boolean.class, Integer.class, Long.class, Double.class, String.class, ObjectId.class);

    /**
     * Null first, then the common kinds of key in a fixed order, each by its own order; anything
     * else by its Java serialization, as H2 ordered whole keys. Never through H2's own compare,
     * which is not safe for threads sharing a map (it fails now and then with "Can not compare").
     */
    @SuppressWarnings({"unchecked", "rawtypes"}) // same-class values of RANKED are mutually Comparable
    private static int compareParts(Object a, Object b) {
      if (a == b) return 0;
      if (a == null || b == null) return a == null ? -1 : 1;
      int rankA = rank(a);
      int rankB = rank(b);
      if (rankA != rankB) return Integer.compare(rankA, rankB);
      if (rankA < RANKED.size()) return ((Comparable) a).compareTo(b);
      return ObjectDataType.compareNotNull(ObjectDataType.serialize(a), ObjectDataType.serialize(b));
    }

    private static int rank(Object value) {
      int rank = RANKED.indexOf(value.getClass());
      return rank < 0 ? RANKED.size() : rank;
    }

    /** Null and the ranked kinds survive being written and read back: a key read back equals the key written. */
    private static boolean exact(Object value) {
      return value == null || RANKED.contains(value.getClass());
    }

    @Override
    public void write(WriteBuffer buff, Object value) {
      if (value instanceof KeyValue key && key.stream().allMatch(IndexKeys::exact)) {
        buff.put(TAG_KEY).putVarInt(key.size());
        for (Object part : key) super.write(buff, part);
      } else {
        super.write(buff, value);
      }
    }

    @Override
    public Object read(ByteBuffer buff) {
      if (buff.get(buff.position()) != TAG_KEY) return super.read(buff);
      buff.get();
      int size = DataUtils.readVarInt(buff);
      List<Object> parts = new ArrayList<>(size);
      for (int i = 0; i < size; i++) parts.add(super.read(buff));
      return new KeyValue(parts);
    }

    @Override
    public int getMemory(Object value) {
      if (!(value instanceof KeyValue key)) return super.getMemory(value);
      int memory = 32;
      for (Object part : key) memory += part instanceof String text ? 40 + 2 * text.length() : 48;
      return memory;
    }

    /**
     * Puts an index map written in H2's old order into ours, once: its entries are read in stored
     * order, the map cleared and refilled. main() keeps the store from committing until every map
     * is done, so a crash half-way leaves the old file and the next start does it again.
     */
    static void reorderOnce(MVStore store, String mapName, MVMap<KeyValue, Object> map) {
      if (!((Object) map.getKeyType() instanceof IndexKeys)) throw new IllegalStateException("index " + mapName + " was opened before the engine set its key order");
      MVMap<String, Integer> ordered = store.openMap(ORDERED);
      if (ordered.containsKey(mapName)) return;
      if (!map.isEmpty()) {
        List<Map.Entry<KeyValue, Object>> entries = new ArrayList<>(map.entrySet());
        map.clear();
        for (Map.Entry<KeyValue, Object> entry : entries) map.put(entry.getKey(), entry.getValue());
      }
      ordered.put(mapName, 1);
    }
  }

  /**
   * A collection whose updates never change a document a reader holds, and that matches
   * `{_id: {$in: [...]}}` against a set.
   *
   * Updates: mongo-java-server changes the stored document object in place, while the answers to
   * finds hold those same objects and are encoded after the collection's lock is released. A find
   * could answer with a document changed after it matched (a job queue's find for due jobs
   * returned a job another worker had just moved to `running`, and the job ran twice) or changed
   * half-way through encoding. Here an update works on copies of the documents it matched and
   * stores the copies, so every document a reader got stays as it matched.
   *
   * `_id` lists: the `_id` index hands over one candidate per listed id, and mongo-java-server then
   * matches each candidate against the whole query, comparing its `_id` with every listed value:
   * documents × list length, about 1,000,000 comparisons for a page of 1,000 ids (100,000,000 for
   * an indicator condition's 10,000 holders beside an area: 3.9 s). A set makes it one lookup per
   * candidate, then the query's other conditions are matched as before: the same answer, as `_id` is
   * never an array, and the set only takes ObjectIds and strings, which equal only their own kind.
   * A `$nin` list (people without an indicator value) is matched against its set the same way.
   */
  static final class StoredCollection extends H2Collection {
    /** The last `_id` list query seen by this thread, and its set: the same query object comes for every candidate. */
    private static final ThreadLocal<Object[]> LAST = new ThreadLocal<>();
    /** Set while this thread runs an update: the documents its query finds are the ones it changes. */
    private static final ThreadLocal<Boolean> UPDATING = ThreadLocal.withInitial(() -> false);

    StoredCollection(MongoDatabase database, String name, CollectionOptions options, MVMap<Object, Document> data, MVMap<String, Object> meta, CursorRegistry cursors) {
      super(database, name, options, data, meta, cursors);
    }

    @Override
    public Document updateDocuments(Document selector, Document update, ArrayFilters arrayFilters, boolean multi, boolean upsert, Oplog oplog) {
      return updating(() -> super.updateDocuments(selector, update, arrayFilters, multi, upsert, oplog));
    }

    @Override
    public Document findAndModify(Document query) {
      return updating(() -> super.findAndModify(query));
    }

    private static Document updating(Supplier<Document> update) {
      UPDATING.set(true);
      try {
        return update.get();
      } finally {
        UPDATING.set(false);
      }
    }

    /** Every query's matched documents pass here, inside the collection's lock; an update's are copied. */
    @Override
    protected QueryResult createQueryResult(List<Document> matched, int batchSize) {
      if (!UPDATING.get()) return super.createQueryResult(matched, batchSize);
      List<Document> copies = new ArrayList<>(matched.size());
      for (Document document : matched) copies.add(document.cloneDeeply());
      return super.createQueryResult(copies, batchSize);
    }

    @Override
    protected boolean documentMatchesQuery(Document document, Document query) {
      IdList list = idList(query);
      if (list == null) return super.documentMatchesQuery(document, query);
      return list.excluded != list.ids.contains(document.get("_id")) && (list.rest.isEmpty() || super.documentMatchesQuery(document, list.rest));
    }

    /** A query's `_id` list (`$in`, or `$nin`: excluded) as a set, and the rest of the query, all of which must hold too. */
    private record IdList(Set<Object> ids, boolean excluded, Document rest) {}

    private static IdList idList(Document query) {
      Object[] last = LAST.get();
      if (last != null && last[0] == query) return (IdList) last[1];
      IdList list = null;
      if (query.get("_id") instanceof Document condition && condition.containsKey("$in") != condition.containsKey("$nin")) {
        String operator = condition.containsKey("$in") ? "$in" : "$nin";
        Set<Object> ids = condition.get(operator) instanceof Collection<?> values ? new HashSet<>() : null;
        for (Object value : ids == null ? List.of() : (Collection<?>) condition.get(operator)) {
          if (!(value instanceof de.bwaldvogel.mongo.bson.ObjectId || value instanceof String)) {
            ids = null;
            break;
          }
          ids.add(value);
        }
        if (ids != null) {
          Document rest = new Document(query);
          Document otherConditions = new Document(condition);
          otherConditions.remove(operator);
          if (otherConditions.isEmpty()) rest.remove("_id");
          else rest.put("_id", otherConditions);
          list = new IdList(ids, operator.equals("$nin"), rest);
        }
      }
      LAST.set(new Object[] {query, list});
      return list;
    }
  }

  /**
   * A unique index (the `_id` index among them) that also serves a query holding its keys and more:
   * mongo-java-server uses an index only for a query of exactly its keys, so `{_id: x, version: 3}`
   * read the whole collection. Here such a query takes the index's candidates for its own keys, and
   * the collection then matches each candidate against the whole query, as it does for any index:
   * the same answer, from one lookup instead of a scan.
   */
  static final class KeyedLookupIndex<P> extends Index<P> {
    private final Index<P> unique;

    KeyedLookupIndex(Index<P> unique, List<IndexKey> keys, boolean sparse) {
      super(unique.getName(), keys, sparse);
      this.unique = unique;
    }

    /** The part of `query` on this index's keys, when the query has more; else null. */
    private Document ownPart(Document query) {
      if (query.keySet().size() <= keySet().size() || !query.keySet().containsAll(keySet())) return null;
      Document own = new Document();
      for (String key : keys()) own.put(key, query.get(key));
      return unique.canHandle(own) ? own : null;
    }

    @Override
    public boolean canHandle(Document query) {
      return unique.canHandle(query) || ownPart(query) != null;
    }

    @Override
    public Iterable<P> getPositions(Document query) {
      if (unique.canHandle(query)) return unique.getPositions(query);
      return unique.getPositions(ownPart(query));
    }

    @Override public P getPosition(Document document) { return unique.getPosition(document); }
    @Override public void checkAdd(Document document, MongoCollection<P> collection) { unique.checkAdd(document, collection); }
    @Override public void add(Document document, P position, MongoCollection<P> collection) { unique.add(document, position, collection); }
    @Override public P remove(Document document) { return unique.remove(document); }
    @Override public long getCount() { return unique.getCount(); }
    @Override public boolean isEmpty() { return unique.isEmpty(); }
    @Override public long getDataSize() { return unique.getDataSize(); }
    @Override public void checkUpdate(Document oldDocument, Document newDocument, MongoCollection<P> collection) { unique.checkUpdate(oldDocument, newDocument, collection); }
    @Override public void updateInPlace(Document oldDocument, Document newDocument, P position, MongoCollection<P> collection) throws KeyConstraintError { unique.updateInPlace(oldDocument, newDocument, position, collection); }
    @Override public void drop() { unique.drop(); }
    @Override public boolean isUnique() { return unique.isUnique(); }
    @Override public boolean hasSameOptions(Index<?> other) { return unique.hasSameOptions(other instanceof KeyedLookupIndex ? ((KeyedLookupIndex<?>) other).unique : other); }
    @Override public Document toIndexDescription() { return unique.toIndexDescription(); }
    @Override public String toString() { return unique.toString(); }
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      System.err.println("usage: DurableEngine <store file>");
      System.exit(2);
    }
    // Commits are ours: after every write command, and in the background thread only once the
    // databases are open, since opening them may put index maps in our key order (all or nothing).
    store = new MVStore.Builder().fileName(args[0]).autoCommitDisabled().autoCommitBufferSize(0).open();
    CommittingBackend backend = new CommittingBackend(store);
    store.commit();
    store.setAutoCommitDelay(BACKGROUND_COMMIT_MS);
    store.setRetentionTime(RETENTION_MS);
    MongoServer server = new MongoServer(backend);
    // A netty event loop runs each command to its end: connections sharing a loop wait behind a
    // long query, so a ping would look like a stalled engine. A loop per connection, in practice.
    server.bind(new InetSocketAddress("127.0.0.1", 0), 1, WORKER_THREADS);
    InetSocketAddress address = server.getLocalAddress();

    // Stdin is read through a channel, which closing interrupts: HotSpot holds a JVM's exit for
    // 300 ms while any thread is blocked in native code, as a plain read of stdin would be.
    FileChannel gatewayPipe = new FileInputStream(FileDescriptor.in).getChannel();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.shutdownNow();
      backend.close(); // commits and closes the store file, releasing its lock
      try {
        gatewayPipe.close();
      } catch (IOException ignored) {
        // exiting regardless
      }
    }));
    System.out.println("listening " + address.getPort());
    System.out.flush();

    try {
      ByteBuffer discarded = ByteBuffer.allocate(64);
      while (gatewayPipe.read(discarded.clear()) != -1) {
        // the gateway never writes; we only wait for its end of the pipe to close
      }
    } catch (IOException endOfPipe) {
      // a broken pipe means the same as end of input; a closed channel, that we are exiting already
    }
    System.exit(0); // runs the shutdown hook, or waits for the one under way
  }
}
