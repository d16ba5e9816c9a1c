package io.steadysink.testing;

import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.security.plain.PlainLoginModule;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.common.utils.Exit;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * A real single-node KRaft broker running inside this JVM, started once and shared by every test
 * (and by the demo). Quarkus loads test classes again for each application restart, so the
 * address is kept in a system property that every class loader sees. Stopped by a shutdown hook.
 */
public final class LocalKafka {

    private static final String SHARED_ADDRESS = "steady-sink.test.kafka.bootstrap";

    /** The broker's own login on a SASL listener (inter-broker traffic and its super user). */
    private static final String BROKER_USER = "broker-admin";
    private static final String BROKER_PASSWORD = "broker-admin-password";

    private static KafkaClusterTestKit cluster;

    private LocalKafka() {
    }

    /** Starts the broker on first use; returns its bootstrap address. */
    public static String bootstrapServers() {
        synchronized (System.class) {
            String shared = System.getProperty(SHARED_ADDRESS);
            if (shared == null) {
                shared = start();
                System.setProperty(SHARED_ADDRESS, shared);
            }
            return shared;
        }
    }

    private static String start() {
        try {
            KafkaClusterTestKit started = startCluster();
            cluster = started;
            Runtime.getRuntime().addShutdownHook(new Thread(LocalKafka::stop, "local-kafka-stop"));
            return started.bootstrapServers();
        } catch (Exception e) {
            throw new IllegalStateException("Could not start the in-JVM Kafka broker", e);
        }
    }

    /**
     * Starts a broker of its own (for a test that stops it); the caller closes it. The shared one
     * comes from {@link #bootstrapServers()}.
     */
    public static KafkaClusterTestKit startCluster() throws Exception {
        return startCluster(SecurityProtocol.PLAINTEXT, Map.of());
    }

    /**
     * Starts a broker of its own whose client listener takes SASL/PLAIN logins from {@code users}
     * (user name to password), each allowed everything; the caller closes it. Clients log in with
     * {@link #saslClientConfig(KafkaClusterTestKit, String, String)}.
     */
    public static KafkaClusterTestKit startSaslCluster(Map<String, String> users) throws Exception {
        StringBuilder jaas = new StringBuilder(PlainLoginModule.class.getName()).append(" required username=\"")
                .append(BROKER_USER).append("\" password=\"").append(BROKER_PASSWORD).append("\" user_")
                .append(BROKER_USER).append("=\"").append(BROKER_PASSWORD).append('"');
        // The controller listener stays PLAINTEXT (ANONYMOUS); the test kit logs in as plain-admin.
        StringBuilder superUsers = new StringBuilder("User:" + BROKER_USER + ";User:plain-admin;User:ANONYMOUS");
        users.forEach((user, password) -> {
            jaas.append(" user_").append(user).append("=\"").append(password).append('"');
            superUsers.append(";User:").append(user);
        });
        jaas.append(';');
        return startCluster(SecurityProtocol.SASL_PLAINTEXT, Map.of(
                "listener.name.external.plain.sasl.jaas.config", jaas.toString(),
                "super.users", superUsers.toString()));
    }

    /** Client settings to log in to a {@link #startSaslCluster(Map)} broker as {@code user}. */
    public static Map<String, Object> saslClientConfig(KafkaClusterTestKit broker, String user, String password) {
        return Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                AdminClientConfig.SECURITY_PROTOCOL_CONFIG, SecurityProtocol.SASL_PLAINTEXT.name,
                SaslConfigs.SASL_MECHANISM, "PLAIN",
                SaslConfigs.SASL_JAAS_CONFIG, plainLogin(user, password));
    }

    /** The {@code sasl.jaas.config} line of a SASL/PLAIN login. */
    public static String plainLogin(String user, String password) {
        return PlainLoginModule.class.getName() + " required username=\"" + user + "\" password=\"" + password
                + "\";";
    }

    private static KafkaClusterTestKit startCluster(SecurityProtocol protocol, Map<String, String> extraConfig)
            throws Exception {
        // Broker components may halt or exit the JVM on a fault (during shutdown too, racing the
        // deletion of their log directories); in a shared test JVM that would kill the test run.
        Exit.setHaltProcedure((status, message) -> System.err.println("Kafka broker asked to halt with status "
                + status + ": " + message));
        Exit.setExitProcedure((status, message) -> System.err.println("Kafka broker asked to exit with status "
                + status + ": " + message));
        KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                .setCombined(true)
                .setNumBrokerNodes(1)
                .setNumControllerNodes(1)
                .setBrokerSecurityProtocol(protocol)
                .setBootstrapMetadataVersion(MetadataVersion.latestProduction())
                .build())
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("offsets.topic.num.partitions", "3")
                .setConfigProp("transaction.state.log.replication.factor", "1")
                .setConfigProp("transaction.state.log.min.isr", "1")
                .setConfigProp("group.initial.rebalance.delay.ms", "0")
                .setConfigProp("auto.create.topics.enable", "false");
        extraConfig.forEach(builder::setConfigProp);
        KafkaClusterTestKit started = builder.build();
        started.format();
        started.startup();
        started.waitForReadyBrokers();
        return started;
    }

    public static Admin admin() {
        Properties properties = new Properties();
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        return Admin.create(properties);
    }

    /** Creates the topic with the given partition count unless it exists. */
    public static void createTopic(String topic, int partitions) {
        createTopic(topic, partitions, Map.of());
    }

    /** Creates the topic with the given partition count and topic configs unless it exists. */
    public static void createTopic(String topic, int partitions, Map<String, String> configs) {
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1).configs(configs)))
                    .all()
                    .get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("Could not create topic " + topic, e);
            }
        } catch (Exception e) {
            throw new IllegalStateException("Could not create topic " + topic, e);
        }
    }

    private static synchronized void stop() {
        if (cluster != null) {
            try {
                cluster.close();
            } catch (Exception e) {
                // the JVM is exiting; nothing to recover
            }
            cluster = null;
        }
    }
}
