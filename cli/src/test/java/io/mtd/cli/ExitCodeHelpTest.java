package io.mtd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The exit code table: once in {@code mtd --help}, unbroken at 80 columns, and the same codes as the README's. */
class ExitCodeHelpTest {

    @RegisterExtension
    final ConsoleCapture console = new ConsoleCapture();

    private static final Pattern ROW = Pattern.compile("^  (\\d+) +\\S.*");

    @Test
    void mtdHelpShowsTheTableOnceEveryRowWithinEightyColumnsAndItsContinuationsIndented() {
        assertThat(Mtd.execute("--help")).isZero();
        List<String> lines = console.out().lines().toList();
        assertThat(lines.stream().filter(l -> l.equals("Exit codes:"))).hasSize(1);
        assertThat(lines).allSatisfy(l -> assertThat(l.length()).as(l).isLessThanOrEqualTo(80));
        List<String> table = lines.subList(lines.indexOf("Exit codes:") + 1, lines.size()).stream()
                .takeWhile(l -> !l.isBlank()).toList();
        // a row wrapped by picocli would leave a line that is neither a row nor an indented continuation
        assertThat(table).allSatisfy(l -> assertThat(ROW.matcher(l).matches() || l.startsWith("       ")).as(l).isTrue());
        assertThat(codes(String.join("\n", table), ROW)).containsExactly("0", "1", "2", "3", "4", "5", "6", "7", "8", "9",
                "10", "11", "12", "130", "143");
    }

    @Test
    void eachCommandsHelpPointsToTheTableInsteadOfRepeatingIt() {
        for (String command : List.of("run", "plan", "lint", "demo", "sandbox", "rbac")) {
            assertThat(Mtd.execute(command, "--help")).isZero();
        }
        assertThat(console.out()).doesNotContain("Exit codes:").contains("Exit codes, and --debug: mtd --help");
    }

    @Test
    void theReadmeTableListsTheSameCodesAsTheHelp() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        String section = readme.substring(readme.indexOf("| exit code |"));
        section = section.substring(0, section.indexOf("\n\n"));
        Mtd.execute("--help");
        String help = console.out().substring(console.out().indexOf("Exit codes:"));
        assertThat(codes(section, Pattern.compile("^\\| `(\\d+)` \\|.*"))).isEqualTo(codes(help, ROW));
    }

    private static List<String> codes(String text, Pattern row) {
        return text.lines().map(row::matcher).filter(Matcher::matches).map(m -> m.group(1)).toList();
    }
}
