package io.tripstate.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.tripstate.config.ConfigException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The launcher's cluster settings from the environment: defaults, and bad values named. */
class ClusterSettingsTest {
  @Test
  void noMembersMeansNoCluster() {
    // Given an environment without CLUSTER_MEMBERS
    // When it is read
    ClusterSettings settings = ClusterSettings.fromEnv(Map.of("HTTP_PORT", "8080"));

    // Then the launcher runs unclustered
    assertThat(settings).isNull();
  }

  @Test
  void membersAloneJoinOnLoopbackPort5701WithHazelcastsHeartbeat() {
    // Given only a member list (with spaces around the commas)
    // When it is read
    ClusterSettings settings = ClusterSettings.fromEnv(Map.of("CLUSTER_MEMBERS", "127.0.0.1:5701, 127.0.0.1:5702"));

    // Then the defaults fill the rest
    assertThat(settings).isEqualTo(new ClusterSettings("127.0.0.1", 5701, List.of("127.0.0.1:5701", "127.0.0.1:5702"),
        60));
  }

  @Test
  void everyVariableIsRead() {
    // Given every variable set
    Map<String, String> env = Map.of("CLUSTER_MEMBERS", "10.0.0.1:6000,10.0.0.2:6000", "CLUSTER_PORT", "6000",
        "CLUSTER_HOST", "10.0.0.1", "CLUSTER_HEARTBEAT_SECONDS", "5");

    // When it is read
    ClusterSettings settings = ClusterSettings.fromEnv(env);

    // Then each one is taken
    assertThat(settings).isEqualTo(new ClusterSettings("10.0.0.1", 6000, List.of("10.0.0.1:6000", "10.0.0.2:6000"),
        5));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', textBlock = """
      CLUSTER_MEMBERS           | 127.0.0.1:5701-5710              | CLUSTER_MEMBERS
      CLUSTER_MEMBERS           | 127.0.0.1                        | CLUSTER_MEMBERS
      CLUSTER_MEMBERS           | 127.0.0.1:5701,,127.0.0.1:5702   | CLUSTER_MEMBERS
      CLUSTER_MEMBERS           | :5701                            | CLUSTER_MEMBERS
      CLUSTER_MEMBERS           | 127.0.0.1:70000                  | CLUSTER_MEMBERS
      CLUSTER_PORT              | 0                                | CLUSTER_PORT
      CLUSTER_PORT              | http                             | CLUSTER_PORT
      CLUSTER_HEARTBEAT_SECONDS | 0                                | CLUSTER_HEARTBEAT_SECONDS
      CLUSTER_HOST              | 'two hosts'                      | CLUSTER_HOST
      """)
  void aBadValueFailsNamingTheVariableAndTheValue(String variable, String value, String named) {
    // Given one bad value beside a good member list
    Map<String, String> env = variable.equals("CLUSTER_MEMBERS") ? Map.of(variable, value)
        : Map.of("CLUSTER_MEMBERS", "127.0.0.1:5701", variable, value);

    // When it is read
    ConfigException error = catchThrowableOfType(ConfigException.class, () -> ClusterSettings.fromEnv(env));

    // Then it fails naming the variable and the value
    assertThat(error).as("%s=%s must be refused", variable, value).isNotNull();
    assertThat(error.key()).isEqualTo(named);
    assertThat(error.getMessage()).contains(value);
  }

  @Test
  void aClusterVariableWithoutMembersIsRefusedSayingWhatIsMissing() {
    // Given a port but no member list
    // When it is read
    ConfigException error = catchThrowableOfType(ConfigException.class,
        () -> ClusterSettings.fromEnv(Map.of("CLUSTER_PORT", "5701")));

    // Then it says CLUSTER_MEMBERS is missing
    assertThat(error.key()).isEqualTo("CLUSTER_PORT");
    assertThat(error.getMessage()).contains("CLUSTER_MEMBERS is not");
  }
}
