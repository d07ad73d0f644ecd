package local.bridge;

import io.apicurio.common.apps.config.DynamicConfigPropertyList;
import javax.enterprise.context.ApplicationScoped;
import javax.enterprise.inject.Produces;

/**
 * Stands in for the bean the config-index extension's build step generates: its deployment module
 * is not on Maven Central (scripts/apicurio/pom.xml). An empty list of dynamic config properties.
 */
@ApplicationScoped
public class ConfigIndexStandIn {
  @Produces
  @ApplicationScoped
  DynamicConfigPropertyList dynamicConfigProperties() {
    return new DynamicConfigPropertyList(new java.util.ArrayList<>());
  }
}
