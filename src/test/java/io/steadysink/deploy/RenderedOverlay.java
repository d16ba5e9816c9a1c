package io.steadysink.deploy;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/**
 * One {@code deploy/overlays/<name>} as {@code kubectl kustomize} renders it, parsed into fabric8's
 * typed models. Parsing is strict: the models keep fields they do not know in
 * {@code additionalProperties} instead of failing, so every parsed object is walked and any such
 * field (a typo, a field at the wrong level) fails the parse.
 */
record RenderedOverlay(String name, List<HasMetadata> objects) {

    static final Path DEPLOY = Path.of("deploy");

    /** Resource kinds without a fabric8 model: parsed as {@link GenericKubernetesResource}. */
    static final List<String> CUSTOM_KINDS = List.of("KafkaTopic", "ScaledObject", "TriggerAuthentication",
            "PrometheusRule", "ServiceMonitor");

    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization(
            new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                    .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES),
            true);

    /** The names of every directory under {@code deploy/overlays}. */
    static List<String> overlayNames() {
        try (Stream<Path> overlays = Files.list(DEPLOY.resolve("overlays"))) {
            return overlays.filter(Files::isDirectory).map(path -> path.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Renders and parses every overlay; skips the calling test when kubectl is not installed. */
    static List<RenderedOverlay> all() {
        assumeTrue(kubectlAvailable(), "kubectl is not on the PATH: the deploy/ manifests cannot be rendered here");
        return overlayNames().stream().map(RenderedOverlay::render).toList();
    }

    static RenderedOverlay render(String overlay) {
        String yaml = kubectl("kustomize", DEPLOY.resolve("overlays").resolve(overlay).toString());
        List<HasMetadata> objects = new ArrayList<>();
        for (String document : yaml.split("(?m)^---$")) {
            if (document.isBlank()) {
                continue;
            }
            Object parsed = SERIALIZATION.unmarshal(document);
            if (!(parsed instanceof HasMetadata object)) {
                throw new AssertionError(overlay + ": not a Kubernetes object:\n" + document);
            }
            boolean custom = CUSTOM_KINDS.contains(object.getKind());
            if (custom != (object instanceof GenericKubernetesResource)) {
                throw new AssertionError(overlay + ": " + object.getKind() + " parsed as " + object.getClass()
                        + (custom ? ", expected a generic resource" : ": no typed model (unknown apiVersion/kind?)"));
            }
            if (custom) {
                rejectUnknownFields(object.getMetadata(), overlay + "/" + object.getKind() + ".metadata");
            } else {
                rejectUnknownFields(object, overlay + "/" + object.getKind());
            }
            objects.add(object);
        }
        return new RenderedOverlay(overlay, objects);
    }

    <T extends HasMetadata> List<T> all(Class<T> type) {
        return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    List<GenericKubernetesResource> custom(String kind) {
        return all(GenericKubernetesResource.class).stream().filter(r -> r.getKind().equals(kind)).toList();
    }

    /** The Deployment's or StatefulSet's pod template (exactly one workload per overlay). */
    PodTemplateSpec podTemplate() {
        List<PodTemplateSpec> templates = new ArrayList<>();
        all(Deployment.class).forEach(d -> templates.add(d.getSpec().getTemplate()));
        all(StatefulSet.class).forEach(s -> templates.add(s.getSpec().getTemplate()));
        if (templates.size() != 1) {
            throw new AssertionError(name + ": expected one workload, found " + templates.size());
        }
        return templates.get(0);
    }

    HasMetadata workload() {
        List<HasMetadata> workloads = objects.stream()
                .filter(o -> o instanceof Deployment || o instanceof StatefulSet).toList();
        if (workloads.size() != 1) {
            throw new AssertionError(name + ": expected one workload, found " + workloads.size());
        }
        return workloads.get(0);
    }

    Optional<ConfigMap> configMap(String referencedName) {
        return all(ConfigMap.class).stream().filter(c -> c.getMetadata().getName().equals(referencedName)).findFirst();
    }

    Optional<Secret> secret(String referencedName) {
        return all(Secret.class).stream().filter(s -> s.getMetadata().getName().equals(referencedName)).findFirst();
    }

    /** The application's settings as the ConfigMap the workload's container reads. */
    Map<String, String> appConfig() {
        String name = podTemplate().getSpec().getContainers().get(0).getEnvFrom().stream()
                .filter(source -> source.getConfigMapRef() != null)
                .map(source -> source.getConfigMapRef().getName())
                .findFirst().orElseThrow(() -> new AssertionError(this.name + ": no ConfigMap in envFrom"));
        return configMap(name).orElseThrow(() -> new AssertionError(this.name + ": ConfigMap " + name + " missing"))
                .getData();
    }

    static boolean kubectlAvailable() {
        String path = System.getenv().getOrDefault("PATH", "");
        return Stream.of(path.split(File.pathSeparator)).anyMatch(dir -> Files.isExecutable(Path.of(dir, "kubectl")));
    }

    private static String kubectl(String... arguments) {
        List<String> command = new ArrayList<>();
        command.add("kubectl");
        command.addAll(List.of(arguments));
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(false).start();
            byte[] out = process.getInputStream().readAllBytes();
            byte[] err = process.getErrorStream().readAllBytes();
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new AssertionError(String.join(" ", command) + " failed:\n"
                        + new String(err, StandardCharsets.UTF_8));
            }
            return new String(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Fails on any field a fabric8 model did not recognise, anywhere below {@code value}. */
    static void rejectUnknownFields(Object value, String path) {
        if (value == null) {
            return;
        }
        if (value instanceof Collection<?> items) {
            int i = 0;
            for (Object item : items) {
                rejectUnknownFields(item, path + "[" + i++ + "]");
            }
            return;
        }
        if (value instanceof Map<?, ?> map) {
            map.forEach((key, item) -> rejectUnknownFields(item, path + "." + key));
            return;
        }
        if (!value.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
            return;
        }
        for (Method getter : value.getClass().getMethods()) {
            if (getter.getParameterCount() != 0 || Modifier.isStatic(getter.getModifiers())
                    || !getter.getName().startsWith("get") || getter.getName().equals("getClass")) {
                continue;
            }
            Object field;
            try {
                field = getter.invoke(value);
            } catch (IllegalAccessException | InvocationTargetException e) {
                continue;
            }
            if (getter.getName().equals("getAdditionalProperties")) {
                if (field instanceof Map<?, ?> unknown && !unknown.isEmpty()) {
                    throw new AssertionError(path + ": unknown field(s) " + unknown.keySet());
                }
                continue;
            }
            rejectUnknownFields(field, path + "." + getter.getName().substring(3));
        }
    }
}
