package io.jenkins.plugins.mtd;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;

import org.junit.jupiter.api.Test;

/** The report page's short image reference: the digest cut to 12 digits, anything else whole. */
class ShortImageTest {

    @Test
    void aDigestIsCutToTwelveDigitsAndEverythingElseIsKept() {
        String digest = "sha256:" + "0123456789abcdef".repeat(4);
        assertThat(MigrateThenDeployAction.shortImage("registry.example.com:5000/shop@" + digest),
                is("registry.example.com:5000/shop@sha256:0123456789ab…"));
        assertThat(MigrateThenDeployAction.shortImage("registry.example.com/shop:1.0@" + digest),
                is("registry.example.com/shop:1.0@sha256:0123456789ab…"));
        assertThat(MigrateThenDeployAction.shortImage("registry.example.com:5000/shop:1.0"), is("registry.example.com:5000/shop:1.0"));
        assertThat("a digest already short is not marked cut", MigrateThenDeployAction.shortImage("shop@sha256:0123456789abc"),
                is("shop@sha256:0123456789abc"));
        assertThat(MigrateThenDeployAction.shortImage(null), nullValue());
    }
}
