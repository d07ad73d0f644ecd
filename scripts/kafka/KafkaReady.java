// Readiness probe of scripts/kafka.sh: waits, in one JVM, until the broker really serves clients.
//
// Usage: java -cp <kafka classpath> KafkaReady <bootstrap> <broker pid> <timeout seconds>
// Exit codes: 0 ready, 2 the broker process exited, 3 timed out, 64 bad usage.
//
// "Ready" means a client got through the whole path the tests use: a DescribeCluster answer that
// lists an (unfenced) broker, a ListTopics answer (metadata), and a FindCoordinator + OffsetFetch
// for a consumer group. The last one also creates __consumer_offsets, which the first test would
// otherwise wait for. One JVM retrying is much faster than starting a JVM per attempt, and it can
// watch the broker's pid so a crashed broker fails at once instead of at the timeout.
//
// With KAFKA_SCRAM_USER and KAFKA_SCRAM_PASSWORD set, a ready broker then gets that SCRAM-SHA-512
// user (created, or its password replaced): the credentials of the SASL_SSL listener live in the
// KRaft metadata, so this works on a cluster formatted before the listener existed too.
import java.time.Duration;
import java.time.Instant;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.Node;

public final class KafkaReady {
  private static final String PROBE_GROUP = "kafka.sh-readiness-probe";

  public static void main(String[] args) throws InterruptedException {
    if (args.length != 3) {
      System.err.println("usage: KafkaReady <bootstrap> <broker pid> <timeout seconds>");
      System.exit(64);
    }
    String bootstrap = args[0];
    long pid = Long.parseLong(args[1]);
    Instant deadline = Instant.now().plusSeconds(Long.parseLong(args[2]));

    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(AdminClientConfig.CLIENT_ID_CONFIG, "kafka.sh-readiness-probe");
    // Short timeouts: each attempt must end quickly so the pid and the deadline get checked often.
    props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "3000");
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "5000");
    props.put(AdminClientConfig.RECONNECT_BACKOFF_MS_CONFIG, "100");
    props.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "500");

    String lastProblem = "no attempt finished yet";
    try (Admin admin = Admin.create(props)) {
      while (true) {
        if (!ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
          System.err.println("kafka: the broker process " + pid + " exited while starting");
          System.exit(2);
        }
        if (Instant.now().isAfter(deadline)) {
          System.err.println("kafka: no answer from " + bootstrap + " in " + args[2] + " s (last problem: " + lastProblem + ")");
          System.exit(3);
        }
        try {
          var nodes = admin.describeCluster().nodes().get(5, TimeUnit.SECONDS);
          if (nodes.isEmpty()) {
            lastProblem = "the cluster lists no available broker yet";
          } else {
            int topics = admin.listTopics().names().get(5, TimeUnit.SECONDS).size();
            admin.listConsumerGroupOffsets(PROBE_GROUP).partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
            upsertScramUser(admin);
            Node node = nodes.iterator().next();
            System.out.println("kafka: broker " + node.id() + " at " + node.host() + ":" + node.port()
                + " answers (" + topics + " topics, group coordinator ready)");
            System.exit(0);
          }
        } catch (ExecutionException e) {
          Throwable cause = e.getCause() == null ? e : e.getCause();
          lastProblem = cause.getClass().getSimpleName() + ": " + cause.getMessage();
        } catch (TimeoutException e) {
          lastProblem = "an admin request took longer than its timeout";
        }
        Thread.sleep(Duration.ofMillis(200).toMillis());
      }
    }
  }

  private static void upsertScramUser(Admin admin) throws ExecutionException, InterruptedException, TimeoutException {
    String user = System.getenv("KAFKA_SCRAM_USER");
    String password = System.getenv("KAFKA_SCRAM_PASSWORD");
    if (user == null || user.isEmpty() || password == null || password.isEmpty()) return;
    var credential = new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192);
    admin.alterUserScramCredentials(java.util.List.of(new UserScramCredentialUpsertion(user, credential, password)))
        .all().get(10, TimeUnit.SECONDS);
  }
}
