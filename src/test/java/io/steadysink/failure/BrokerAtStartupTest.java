package io.steadysink.failure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.util.Map;

import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.Test;

import io.steadysink.startup.ExitCode;
import io.steadysink.startup.StartupFailure;
import io.steadysink.startup.StartupWait;

/** What each failure to reach the broker means at start-up, and how the line names it. */
class BrokerAtStartupTest {

    private static final Map<String, Object> SASL = Map.of("bootstrap.servers", "k1:9092,k2:9092",
            "sasl.mechanism", "SCRAM-SHA-512", "sasl.jaas.config",
            "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"sink\" password=\"s3cret\";");

    private final BrokerAtStartup broker = new BrokerAtStartup(SASL, () -> {
        throw new AssertionError("no admin client in this test");
    });

    @Test
    void aRefusedLoginEndsStartupWithExitCodeFourNamingTheUserButNotThePassword() {
        Exception verdict = broker.verdict(new SaslAuthenticationException("Authentication failed during "
                + "authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512"));

        assertThat(verdict).isInstanceOfSatisfying(StartupFailure.class, failure -> {
            assertThat(failure.code()).isEqualTo(ExitCode.ACCESS_REFUSED);
            assertThat(failure.line()).isEqualTo("steady-sink cannot start: the Kafka broker at k1:9092,k2:9092 "
                    + "refused the SASL/SCRAM-SHA-512 login of user sink (Authentication failed during authentication "
                    + "due to invalid credentials with SASL mechanism SCRAM-SHA-512): check the user and password in "
                    + "KAFKA_SASL_JAAS_CONFIG and KAFKA_SASL_MECHANISM");
            assertThat(failure.line()).doesNotContain("s3cret");
        });
        assertThat(broker.verdict(new TopicAuthorizationException("denied"))).isInstanceOfSatisfying(
                StartupFailure.class, failure -> assertThat(failure.code()).isEqualTo(ExitCode.ACCESS_REFUSED));
    }

    @Test
    void noAnswerIsWaitedOutAndAnythingElseIsUnexpected() {
        assertThat(broker.verdict(new TimeoutException("Timed out waiting for a node assignment")))
                .isInstanceOf(StartupWait.Unavailable.class).hasMessage("no broker answered within 5 s");
        IllegalStateException bug = new IllegalStateException("bug");
        assertThat(broker.verdict(bug)).isSameAs(bug);
    }

    @Test
    void bootstrapAddressesThatDoNotResolveAreWaitedForWithoutAnAdminClient() {
        BrokerAtStartup unresolved = new BrokerAtStartup(Map.of("bootstrap.servers",
                "nosuch-one.invalid:9092, [nosuch-two.invalid]:9093"), () -> {
                    throw new AssertionError("no admin client before an address resolves");
                });

        assertThat(catchThrowable(unresolved::attempt)).isInstanceOf(StartupWait.Unavailable.class)
                .hasMessage("no bootstrap address resolves: nosuch-one.invalid, nosuch-two.invalid");
        assertThat(unresolved.dependency().name())
                .isEqualTo("the Kafka broker at nosuch-one.invalid:9092,[nosuch-two.invalid]:9093");
    }
}
