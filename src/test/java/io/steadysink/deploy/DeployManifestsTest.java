package io.steadysink.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.Reader;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.smallrye.config.WithDefault;
import io.smallrye.config.source.yaml.YamlConfigSource;
import io.steadysink.config.SinkConfig;
import io.steadysink.metrics.SinkMetrics;

/**
 * Every overlay under {@code deploy/overlays} renders with {@code kubectl kustomize}, parses strictly
 * into typed models, and is wired to the application as it is: probe paths and port, environment
 * variables the application reads, budgets that fit its timeouts, hardening, KEDA within the
 * partition count, monitoring over declared meters. {@code DeployWiringIT} checks the same wiring
 * against a running instance.
 */
class DeployManifestsTest {

    private static List<RenderedOverlay> overlays;

    @BeforeAll
    static void render() {
        overlays = RenderedOverlay.all();
    }

    @Test
    void everyOverlayRendersOneWorkloadWithItsServiceBudgetAccountConfigAndTopics() {
        assertThat(overlays).extracting(RenderedOverlay::name).contains("dev", "prod", "static-membership");
        for (RenderedOverlay overlay : overlays) {
            assertThat(overlay.all(Deployment.class).size() + overlay.all(StatefulSet.class).size())
                    .as(overlay.name() + ": workloads").isEqualTo(1);
            assertThat(overlay.all(Service.class)).as(overlay.name()).isNotEmpty();
            assertThat(overlay.all(PodDisruptionBudget.class)).as(overlay.name()).hasSize(1);
            assertThat(overlay.all(ServiceAccount.class)).as(overlay.name()).hasSize(1);
            assertThat(overlay.custom("KafkaTopic")).as(overlay.name()).hasSizeGreaterThanOrEqualTo(2);
            assertThat(overlay.custom("PrometheusRule")).as(overlay.name()).hasSize(1);
            assertThat(overlay.appConfig()).as(overlay.name()).isNotEmpty();
        }
    }

    @Test
    void probesCallTheHealthEndpointsOnTheNamedPortTheApplicationListensOn() throws IOException {
        String appPort = applicationProperties().getProperty("quarkus.http.port");
        for (RenderedOverlay overlay : overlays) {
            Container container = container(overlay);
            String port = overlay.appConfig().getOrDefault("QUARKUS_HTTP_PORT", appPort);
            ContainerPort http = container.getPorts().stream().filter(p -> "http".equals(p.getName())).findFirst()
                    .orElseThrow(() -> new AssertionError(overlay.name() + ": no port named http"));
            assertThat(http.getContainerPort()).as(overlay.name() + ": containerPort = QUARKUS_HTTP_PORT")
                    .isEqualTo(Integer.parseInt(port));
            assertProbe(overlay, "startup", container.getStartupProbe(), "/q/health/started");
            assertProbe(overlay, "readiness", container.getReadinessProbe(), "/q/health/ready");
            assertProbe(overlay, "liveness", container.getLivenessProbe(), "/q/health/live");
            for (Service service : overlay.all(Service.class)) {
                assertThat(service.getSpec().getPorts()).as(overlay.name() + ": Service " + service.getMetadata()
                        .getName()).allSatisfy(p -> assertThat(p.getTargetPort().getStrVal()).isEqualTo("http"));
                assertThat(service.getSpec().getSelector()).as(overlay.name() + ": Service selects the pods")
                        .isEqualTo(overlay.podTemplate().getMetadata().getLabels());
            }
        }
    }

    @Test
    void probeBudgetsLeaveRoomForTheConsumersOwnTimeouts() {
        for (RenderedOverlay overlay : overlays) {
            Container container = container(overlay);
            Map<String, String> config = overlay.appConfig();
            long maxPollInterval = Long.parseLong(config.getOrDefault("KAFKA_MAX_POLL_INTERVAL_MS", "300000"));
            long stallBudget = Long.parseLong(config.getOrDefault("SINK_STALL_BUDGET_MS", "120000"));
            assertThat(windowMs(container.getStartupProbe()))
                    .as(overlay.name() + ": startup window covers migrations plus a join that may wait a poll interval")
                    .isGreaterThanOrEqualTo(maxPollInterval);
            assertThat(windowMs(container.getLivenessProbe()))
                    .as(overlay.name() + ": liveness window above max.poll.interval.ms and the stall budget")
                    .isGreaterThan(maxPollInterval)
                    .isGreaterThan(stallBudget);
        }
    }

    @Test
    void startupWindowOutlastsTheStartupWaitByAMinute() throws NoSuchMethodException {
        String defaultWait = SinkConfig.class.getMethod("startupWaitMs").getAnnotation(WithDefault.class).value();
        for (RenderedOverlay overlay : overlays) {
            long waitMs = Long.parseLong(overlay.appConfig().getOrDefault("SINK_STARTUP_WAIT_MS", defaultWait));
            assertThat(windowMs(container(overlay).getStartupProbe()))
                    .as(overlay.name() + ": startup window >= SINK_STARTUP_WAIT_MS (HTTP is down while start-up "
                            + "waits) + 60 s to migrate, join and start")
                    .isGreaterThanOrEqualTo(waitMs + 60_000);
        }
    }

    @Test
    void terminationGracePeriodOutlastsTheDrainBudget() {
        for (RenderedOverlay overlay : overlays) {
            long drainMs = Long.parseLong(overlay.appConfig().getOrDefault("SINK_DRAIN_TIMEOUT_MS", "30000"));
            long graceMs = overlay.podTemplate().getSpec().getTerminationGracePeriodSeconds() * 1000;
            assertThat(graceMs).as(overlay.name() + ": grace period > drain budget + 10 s to commit, leave and exit")
                    .isGreaterThan(drainMs + 10_000);
        }
    }

    @Test
    void podsRunAsNonRootWithReadOnlyRootAndNoPrivilegesOrToken() {
        for (RenderedOverlay overlay : overlays) {
            PodSpec pod = overlay.podTemplate().getSpec();
            assertThat(pod.getAutomountServiceAccountToken()).as(overlay.name()).isFalse();
            assertThat(overlay.all(ServiceAccount.class)).as(overlay.name())
                    .allSatisfy(account -> assertThat(account.getAutomountServiceAccountToken()).isFalse());
            assertThat(pod.getServiceAccountName()).isEqualTo(overlay.all(ServiceAccount.class).get(0)
                    .getMetadata().getName());
            assertThat(pod.getSecurityContext().getRunAsNonRoot()).as(overlay.name()).isTrue();
            assertThat(pod.getSecurityContext().getRunAsUser()).as(overlay.name()).isEqualTo(1001L);
            assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
            for (Container container : pod.getContainers()) {
                var security = container.getSecurityContext();
                assertThat(security.getAllowPrivilegeEscalation()).as(overlay.name()).isFalse();
                assertThat(security.getReadOnlyRootFilesystem()).as(overlay.name()).isTrue();
                assertThat(security.getRunAsNonRoot()).as(overlay.name()).isTrue();
                assertThat(security.getCapabilities().getDrop()).as(overlay.name()).containsExactly("ALL");
                assertThat(security.getCapabilities().getAdd()).as(overlay.name()).isNullOrEmpty();
                String tmpVolume = container.getVolumeMounts().stream().filter(m -> m.getMountPath().equals("/tmp"))
                        .findFirst().orElseThrow(() -> new AssertionError(overlay.name() + ": no /tmp mount"))
                        .getName();
                assertThat(pod.getVolumes()).as(overlay.name()).anySatisfy(volume -> {
                    assertThat(volume.getName()).isEqualTo(tmpVolume);
                    assertThat(volume.getEmptyDir()).isNotNull();
                });
                assertThat(container.getResources().getRequests()).as(overlay.name()).containsKeys("cpu", "memory");
                assertThat(container.getResources().getLimits()).as(overlay.name()).containsKeys("memory");
            }
        }
    }

    @Test
    void everyEnvironmentVariableGivenToThePodIsOneTheApplicationReads() {
        Set<String> documented = DocumentedSettings.variables();
        for (RenderedOverlay overlay : overlays) {
            Container container = container(overlay);
            Set<String> given = new TreeSet<>(overlay.appConfig().keySet());
            container.getEnv().stream().map(EnvVar::getName).forEach(given::add);
            for (EnvFromSource source : container.getEnvFrom()) {
                if (source.getSecretRef() != null) {
                    Secret secret = overlay.secret(source.getSecretRef().getName()).orElseThrow(
                            () -> new AssertionError(overlay.name() + ": Secret " + source.getSecretRef().getName()));
                    given.addAll(secretKeys(secret));
                }
            }
            assertThat(documented)
                    .as(overlay.name() + ": variables the Configuration table of docs/configuration.md lists")
                    .containsAll(given);
        }
    }

    @Test
    void configurationTableListsEverySinkConfigSettingAndNoOther() {
        Set<String> fromMapping = Arrays.stream(SinkConfig.class.getDeclaredMethods())
                .filter(m -> !m.isSynthetic() && !Modifier.isStatic(m.getModifiers()) && !m.isDefault())
                // the route file's routes: settings of a file, not variables
                .filter(m -> !Map.class.isAssignableFrom(m.getReturnType()))
                .map(Method::getName)
                .map(name -> "SINK_" + name.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase())
                .collect(Collectors.toCollection(TreeSet::new));
        Set<String> documented = DocumentedSettings.variables().stream().filter(n -> n.startsWith("SINK_"))
                .collect(Collectors.toCollection(TreeSet::new));
        assertThat(documented).isEqualTo(fromMapping);
    }

    @Test
    void baseConfigMapSetsEverySinkSettingTheApplicationReadsButLeavesPasswordsToSecrets() {
        Set<String> sink = DocumentedSettings.variables().stream().filter(n -> n.startsWith("SINK_"))
                .filter(n -> !n.endsWith("_PASSWORD")).collect(Collectors.toSet());
        for (RenderedOverlay overlay : overlays) {
            assertThat(overlay.appConfig().keySet()).as(overlay.name()).containsAll(sink);
            assertThat(overlay.appConfig().keySet()).as(overlay.name() + ": no password in a ConfigMap")
                    .noneMatch(n -> n.endsWith("_PASSWORD"));
        }
    }

    @Test
    void secretsAreTemplatesWithPlaceholdersOnly() {
        for (RenderedOverlay overlay : overlays) {
            for (Secret secret : overlay.all(Secret.class)) {
                assertThat(secret.getData()).as(overlay.name() + ": " + secret.getMetadata().getName()
                        + " carries no encoded data").isNullOrEmpty();
                secret.getStringData().forEach((key, value) -> {
                    if (key.toLowerCase().contains("password") || key.toLowerCase().contains("jaas")) {
                        assertThat(value).as(overlay.name() + ": " + key).contains("change-me");
                    }
                });
            }
        }
    }

    @Test
    void kedaScalesTheWorkloadOnTheGroupsLagUpToThePartitionCountAtMost() {
        boolean anyScaler = false;
        for (RenderedOverlay overlay : overlays) {
            Map<String, String> config = overlay.appConfig();
            for (GenericKubernetesResource scaler : overlay.custom("ScaledObject")) {
                anyScaler = true;
                Map<String, Object> spec = map(scaler.getAdditionalProperties().get("spec"));
                Map<String, Object> target = map(spec.get("scaleTargetRef"));
                assertThat(target.get("kind")).as(overlay.name()).isEqualTo(overlay.workload().getKind());
                assertThat(target.get("name")).as(overlay.name()).isEqualTo(overlay.workload().getMetadata().getName());
                List<Map<String, Object>> triggers = list(spec.get("triggers"));
                assertThat(triggers).as(overlay.name()).isNotEmpty();
                int maxReplicas = ((Number) spec.get("maxReplicaCount")).intValue();
                for (Map<String, Object> trigger : triggers) {
                    assertThat(trigger.get("type")).isEqualTo("kafka");
                    Map<String, Object> metadata = map(trigger.get("metadata"));
                    assertThat(metadata.get("consumerGroup")).as(overlay.name() + ": consumerGroup = SINK_GROUP_ID")
                            .isEqualTo(config.get("SINK_GROUP_ID"));
                    assertThat(metadata.get("bootstrapServers")).as(overlay.name())
                            .isEqualTo(config.get("KAFKA_BOOTSTRAP_SERVERS"));
                    assertThat(Long.parseLong((String) metadata.get("lagThreshold"))).isPositive();
                    String topic = (String) metadata.get("topic");
                    assertThat(List.of(config.get("SINK_TOPICS").split(","))).as(overlay.name()).contains(topic);
                    assertThat(maxReplicas).as(overlay.name() + ": maxReplicaCount <= partitions of " + topic)
                            .isLessThanOrEqualTo(partitions(overlay, topic));
                    if (!"PLAINTEXT".equals(config.get("KAFKA_SECURITY_PROTOCOL"))) {
                        String auth = (String) map(trigger.get("authenticationRef")).get("name");
                        assertThat(overlay.custom("TriggerAuthentication")).as(overlay.name() + ": " + auth)
                                .anySatisfy(a -> assertThat(a.getMetadata().getName()).isEqualTo(auth));
                    }
                }
            }
        }
        assertThat(anyScaler).as("some overlay scales with KEDA").isTrue();
    }

    @Test
    void topicsExistForEverySourceTopicAndTheDeadLetterTopic() {
        for (RenderedOverlay overlay : overlays) {
            Map<String, String> config = overlay.appConfig();
            List<String> wanted = new ArrayList<>(List.of(config.get("SINK_TOPICS").split(",")));
            wanted.add(config.get("SINK_DLQ_TOPIC"));
            for (String topic : wanted) {
                assertThat(partitions(overlay, topic)).as(overlay.name() + ": KafkaTopic " + topic).isPositive();
            }
            for (GenericKubernetesResource topic : overlay.custom("KafkaTopic")) {
                assertThat(topic.getApiVersion()).isEqualTo("kafka.strimzi.io/v1beta2");
                assertThat(topic.getMetadata().getLabels()).containsKey("strimzi.io/cluster");
            }
        }
    }

    @Test
    void devOverlayMountsItsRouteFileAtThePathSinkRoutesFileNamesAndItsTopicsExist() {
        RenderedOverlay dev = overlays.stream().filter(o -> o.name().equals("dev")).findFirst().orElseThrow();
        assertThat(dev.appConfig().get("SINK_ROUTES_FILE")).as("dev: SINK_ROUTES_FILE").isNotBlank();
        for (RenderedOverlay overlay : overlays) {
            String file = overlay.appConfig().getOrDefault("SINK_ROUTES_FILE", "");
            if (file.isBlank()) {
                continue;
            }
            Path path = Path.of(file);
            Container container = container(overlay);
            VolumeMount mount = container.getVolumeMounts().stream()
                    .filter(m -> path.equals(Path.of(m.getMountPath())) && m.getSubPath() != null
                            || path.getParent().equals(Path.of(m.getMountPath())) && m.getSubPath() == null)
                    .findFirst().orElseThrow(() -> new AssertionError(overlay.name() + ": no volume mounted at "
                            + file + " or its directory: " + container.getVolumeMounts()));
            String key = mount.getSubPath() != null ? mount.getSubPath() : path.getFileName().toString();
            Volume volume = overlay.podTemplate().getSpec().getVolumes().stream()
                    .filter(v -> v.getName().equals(mount.getName())).findFirst()
                    .orElseThrow(() -> new AssertionError(overlay.name() + ": no volume " + mount.getName()));
            assertThat(volume.getConfigMap()).as(overlay.name() + ": volume " + volume.getName() + " is a ConfigMap")
                    .isNotNull();
            if (volume.getConfigMap().getItems() != null && !volume.getConfigMap().getItems().isEmpty()) {
                key = volume.getConfigMap().getItems().stream().filter(item -> item.getPath().equals(path
                        .getFileName().toString())).map(KeyToPath::getKey).findFirst().orElse("(not projected)");
            }
            ConfigMap routes = overlay.configMap(volume.getConfigMap().getName()).orElseThrow(
                    () -> new AssertionError(overlay.name() + ": ConfigMap " + volume.getConfigMap().getName()));
            assertThat(routes.getData()).as(overlay.name() + ": ConfigMap " + routes.getMetadata().getName()
                    + " holds the file " + path.getFileName()).containsKey(key);

            YamlConfigSource parsed = new YamlConfigSource(file, routes.getData().get(key), 0);
            Set<String> topics = parsed.getPropertyNames().stream()
                    .filter(name -> name.matches("routes\\.[^.]+\\.topics(\\[\\d+])?"))
                    .flatMap(name -> Arrays.stream(parsed.getValue(name).split(","))).map(String::trim)
                    .collect(Collectors.toCollection(TreeSet::new));
            assertThat(topics).as(overlay.name() + ": topics of the route file").isNotEmpty();
            for (String topic : topics) {
                assertThat(partitions(overlay, topic)).as(overlay.name() + ": KafkaTopic " + topic + " of a route")
                        .isPositive();
            }
        }
    }

    @Test
    void alertsAndDashboardQueryOnlyMetersSteadySinkDeclares() throws IllegalAccessException {
        List<String> declared = new ArrayList<>();
        for (Field field : SinkMetrics.class.getFields()) {
            if (Modifier.isStatic(field.getModifiers()) && field.getType() == String.class) {
                declared.add((String) field.get(null));
            }
        }
        for (RenderedOverlay overlay : overlays) {
            List<String> queries = new ArrayList<>(MonitoringQueries.alertExpressions(overlay));
            queries.addAll(MonitoringQueries.dashboardExpressions(overlay));
            assertThat(MonitoringQueries.dashboardExpressions(overlay)).as(overlay.name() + ": dashboard").isNotEmpty();
            for (String query : queries) {
                Set<String> names = MonitoringQueries.metricNames(query);
                assertThat(names).as(query).isNotEmpty();
                assertThat(names).as(query).allSatisfy(name -> assertThat(declared)
                        .anySatisfy(meter -> assertThat(name).matches(meter
                                + "(_seconds|_records|_retries|_batches|_partitions)?(_total|_bucket|_count|_sum|_max)?")));
            }
        }
    }

    @Test
    void onlyTheStaticMembershipVariantSetsGroupInstanceIdAndTakesItFromThePodName() {
        for (RenderedOverlay overlay : overlays) {
            List<EnvVar> instanceId = container(overlay).getEnv().stream()
                    .filter(env -> env.getName().equals("KAFKA_GROUP_INSTANCE_ID")).toList();
            assertThat(overlay.appConfig()).as(overlay.name()).doesNotContainKey("KAFKA_GROUP_INSTANCE_ID");
            if (overlay.name().equals("static-membership")) {
                assertThat(overlay.workload()).isInstanceOf(StatefulSet.class);
                assertThat(instanceId).hasSize(1);
                assertThat(instanceId.get(0).getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.name");
            } else {
                assertThat(instanceId).as(overlay.name()).isEmpty();
            }
        }
    }

    @Test
    void prodLogsJsonAndUsesSaslSslWhileDevStaysPlainAndReadable() {
        for (RenderedOverlay overlay : overlays) {
            Map<String, String> config = overlay.appConfig();
            if (overlay.name().equals("dev")) {
                assertThat(config).containsEntry("QUARKUS_LOG_CONSOLE_JSON_ENABLED", "false")
                        .containsEntry("KAFKA_SECURITY_PROTOCOL", "PLAINTEXT");
                assertThat(overlay.workload()).isInstanceOf(Deployment.class);
                assertThat(((Deployment) overlay.workload()).getSpec().getReplicas()).isEqualTo(1);
            } else if (overlay.name().equals("prod") || overlay.name().equals("static-membership")) {
                assertThat(config).containsEntry("QUARKUS_LOG_CONSOLE_JSON_ENABLED", "true")
                        .containsEntry("KAFKA_SECURITY_PROTOCOL", "SASL_SSL");
                assertThat(config.get("QUARKUS_DATASOURCE_JDBC_URL")).contains("sslmode=verify-full");
                assertThat(container(overlay).getEnv()).anySatisfy(env -> {
                    assertThat(env.getName()).isEqualTo("KAFKA_SASL_JAAS_CONFIG");
                    assertThat(env.getValueFrom().getSecretKeyRef()).isNotNull();
                });
            }
        }
    }

    private static void assertProbe(RenderedOverlay overlay, String kind, Probe probe, String path) {
        assertThat(probe).as(overlay.name() + ": " + kind + " probe").isNotNull();
        assertThat(probe.getHttpGet().getPath()).as(overlay.name() + ": " + kind + " path").isEqualTo(path);
        assertThat(probe.getHttpGet().getPort().getStrVal()).as(overlay.name() + ": " + kind + " port")
                .isEqualTo("http");
    }

    private static long windowMs(Probe probe) {
        return 1000L * probe.getPeriodSeconds() * probe.getFailureThreshold();
    }

    static Container container(RenderedOverlay overlay) {
        List<Container> containers = overlay.podTemplate().getSpec().getContainers();
        assertThat(containers).as(overlay.name()).hasSize(1);
        return containers.get(0);
    }

    static int partitions(RenderedOverlay overlay, String topic) {
        return overlay.custom("KafkaTopic").stream()
                .map(resource -> map(resource.getAdditionalProperties().get("spec")))
                .filter(spec -> topic.equals(spec.get("topicName")))
                .map(spec -> ((Number) spec.get("partitions")).intValue())
                .findFirst().orElse(0);
    }

    private static Set<String> secretKeys(Secret secret) {
        Set<String> keys = new TreeSet<>();
        if (secret.getStringData() != null) {
            keys.addAll(secret.getStringData().keySet());
        }
        if (secret.getData() != null) {
            keys.addAll(secret.getData().keySet());
        }
        return keys;
    }

    static Properties applicationProperties() throws IOException {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(Path.of("src/main/resources/application.properties"))) {
            properties.load(reader);
        }
        return properties;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object value) {
        return (Map<String, Object>) value;
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> list(Object value) {
        return (List<Map<String, Object>>) value;
    }
}
