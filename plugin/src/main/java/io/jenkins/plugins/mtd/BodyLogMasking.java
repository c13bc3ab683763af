package io.jenkins.plugins.mtd;

import hudson.console.ConsoleLogFilter;
import hudson.console.LineTransformationOutputStream;
import hudson.model.Run;
import hudson.util.Secret;
import io.mtd.progress.SecretMasker;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Serializable;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Masks the cluster credentials in whatever a rollout body prints (a {@code kubectl config view --raw}, a debug
 * {@code cat $KUBECONFIG}), with the engine's own masking rules. Kept as {@link Secret}s, so the saved Pipeline state
 * holds them encrypted, as credentials-binding does.
 */
final class BodyLogMasking extends ConsoleLogFilter implements Serializable {

    private static final long serialVersionUID = 1L;

    private final List<Secret> secrets = new ArrayList<>();

    BodyLogMasking(Collection<String> values) {
        for (String v : values) {
            secrets.add(Secret.fromString(v));
        }
    }

    @SuppressWarnings("rawtypes") // the signature ConsoleLogFilter declares
    @Override
    public OutputStream decorateLogger(Run build, OutputStream logger) throws IOException, InterruptedException {
        SecretMasker masker = new SecretMasker();
        for (Secret s : secrets) {
            masker.add(s.getPlainText());
        }
        // a body's filter is called without a build
        Charset charset = build == null ? StandardCharsets.UTF_8 : build.getCharset();
        return new MaskingStream(logger, masker, charset);
    }

    private static final class MaskingStream extends LineTransformationOutputStream.Delegating {
        private final SecretMasker masker;
        private final Charset charset;

        MaskingStream(OutputStream out, SecretMasker masker, Charset charset) {
            super(out);
            this.masker = masker;
            this.charset = charset;
        }

        @Override
        protected void eol(byte[] b, int len) throws IOException {
            out.write(masker.mask(new String(b, 0, len, charset)).getBytes(charset));
        }
    }
}
