import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.wire.message.MongoMessage;
import io.netty.channel.Channel;
import java.io.IOException;
import java.net.InetSocketAddress;
import org.h2.mvstore.MVStore;

/**
 * The gateway's embedded engine: mongo-java-server on an H2 MVStore file, bound to a free loopback
 * port, started by the gateway (src/store/javaEngine.ts) as a child process.
 *
 * H2 commits on a delay (about a second), so a write acknowledged just before the process dies
 * would be lost. This backend commits the store after every message that changed it, before the
 * reply leaves, and syncs the file: an acknowledged write survives the engine being killed. The gateway's end of stdin closing means the gateway has died: the
 * engine closes its store and exits rather than outliving it.
 *
 * Usage: java DurableEngine <store file>. Prints "listening <port>" on stdout once it serves.
 */
public final class DurableEngine {

  /** More than the connections a gateway opens (the driver's pool, the liveness probe, monitors). */
  private static final int WORKER_THREADS = 128;

  /** H2Backend that makes every change durable before answering. */
  static final class CommittingBackend extends H2Backend {
    private final MVStore store;

    CommittingBackend(MVStore store) {
      super(store);
      this.store = store;
    }

    @Override
    public Document handleMessage(MongoMessage message) {
      try {
        return super.handleMessage(message);
      } finally {
        commitChanges();
      }
    }

    @Override
    public Document handleCommand(Channel channel, String database, String command, Document query) {
      try {
        return super.handleCommand(channel, database, command, query);
      } finally {
        commitChanges();
      }
    }

    private void commitChanges() {
      if (store.hasUnsavedChanges()) {
        store.commit();
        store.sync(); // fsync too: an acknowledged write survives a power cut, not only a killed process
      }
    }
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      System.err.println("usage: DurableEngine <store file>");
      System.exit(2);
    }
    MVStore store = new MVStore.Builder().fileName(args[0]).open();
    CommittingBackend backend = new CommittingBackend(store);
    MongoServer server = new MongoServer(backend);
    // A netty event loop runs each command to its end: connections sharing a loop wait behind a
    // long query, so a ping would look like a stalled engine. A loop per connection, in practice.
    server.bind(new InetSocketAddress("127.0.0.1", 0), 1, WORKER_THREADS);
    InetSocketAddress address = server.getLocalAddress();

    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.shutdownNow();
      backend.close(); // commits and closes the store file, releasing its lock
    }));
    System.out.println("listening " + address.getPort());
    System.out.flush();

    try {
      while (System.in.read() != -1) {
        // the gateway never writes; we only wait for its end of the pipe to close
      }
    } catch (IOException ignored) {
      // a broken pipe means the same as end of input
    }
    System.exit(0); // runs the shutdown hook
  }
}
