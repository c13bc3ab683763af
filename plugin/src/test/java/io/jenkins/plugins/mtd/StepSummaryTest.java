package io.jenkins.plugins.mtd;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;

import java.util.List;
import java.util.Map;
import org.jenkinsci.plugins.structs.describable.UninstantiatedDescribable;
import org.junit.jupiter.api.Test;

/** The phrase Graph View and Stage View show for each step node, from the arguments as Jenkins stores them. */
class StepSummaryTest {

    @Test
    void migrateThenDeployNamesTheAppAndEachEnvironmentInOrder() {
        Map<String, Object> args = Map.of("app", "shop", "image", "registry.example.com/shop:1.0",
                "environments", List.of(Map.of("name", "staging", "credentialsId", "kube"), Map.of("name", "production")));

        assertThat(new MigrateThenDeployStep.DescriptorImpl().argumentsToString(args), is("shop → staging, production"));
    }

    @Test
    void migrateDatabaseNamesItsOneEnvironmentWrittenAsAMapOrASymbol() {
        MigrateDatabaseStep.DescriptorImpl descriptor = new MigrateDatabaseStep.DescriptorImpl();

        assertThat(descriptor.argumentsToString(Map.of("app", "shop", "environment", Map.of("name", "production"))),
                is("shop → production"));
        assertThat(descriptor.argumentsToString(Map.of("plan", "deploy/mtd.yaml",
                "environment", new UninstantiatedDescribable(Map.of("name", "staging")))), is("deploy/mtd.yaml → staging"));
    }

    @Test
    void nothingNamedGivesNoPhraseAndSecretsAreNeverRead() {
        assertThat(StepSummary.of(Map.of("image", "shop:1", "migration", Map.of("command", List.of("migrate"))), "environments"),
                nullValue());
        assertThat(StepSummary.of(Map.of("environments", List.of(Map.of("name", "staging", "token", "s3cret"))), "environments"),
                is("staging"));
    }
}
