package io.mtd.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TableTest {

    @Test
    void theSideThatTookLessTimeIsNamedWithHowManyTimes() {
        assertThat(Table.sooner(80, 20)).isEqualTo("engine 4.0× sooner");
        assertThat(Table.sooner(14, 20)).isEqualTo("kubectl 1.4× sooner");
    }

    @Test
    void ratiosOfTenOrMoreHaveNoDecimals() {
        assertThat(Table.ratio(21_300, 100)).isEqualTo("213×");
        assertThat(Table.ratio(5, 0)).isEqualTo("n/a");
    }

    @Test
    void millisecondsKeepADecimalOnlyBelowTen() {
        assertThat(Table.ms(6.94)).isEqualTo("6.9 ms");
        assertThat(Table.ms(15250.2)).isEqualTo("15,250 ms");
    }
}
