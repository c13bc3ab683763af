package io.mtd.cli;

import java.io.BufferedReader;
import java.io.Console;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.Reader;
import java.nio.charset.Charset;
import java.util.Optional;

/**
 * The terminal a person answers on: the console when stdin and stdout both are one, else the process's controlling
 * terminal, {@code /dev/tty}, so that {@code mtd run ... | tee log} still asks there; none in CI.
 */
final class Terminal {

    private final BufferedReader in;
    private final PrintWriter out;

    Terminal(Reader in, PrintWriter out) {
        this.in = new BufferedReader(in);
        this.out = out;
    }

    /** This process's terminal, or empty when it has none (no console, and {@code /dev/tty} cannot be opened). */
    static Optional<Terminal> open() {
        Console console = System.console();
        if (console != null) {
            return Optional.of(new Terminal(console.reader(), console.writer()));
        }
        Charset charset = Charset.defaultCharset();
        FileInputStream in = null;
        try {
            // opening it fails (ENXIO) where the process has no controlling terminal, as under CI runners
            in = new FileInputStream("/dev/tty");
            FileOutputStream out = new FileOutputStream("/dev/tty");
            return Optional.of(new Terminal(new InputStreamReader(in, charset),
                    new PrintWriter(new OutputStreamWriter(out, charset), true)));
        } catch (IOException | SecurityException e) {
            if (in != null) {
                try {
                    in.close();
                } catch (IOException ignored) {
                    // nothing was read from it
                }
            }
            return Optional.empty();
        }
    }

    /** Shows {@code question} on the terminal and returns the line typed, or null at end of input. */
    String ask(String question) throws IOException {
        out.print(question);
        out.flush();
        return in.readLine();
    }
}
