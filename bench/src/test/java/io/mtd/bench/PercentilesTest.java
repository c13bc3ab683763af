package io.mtd.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class PercentilesTest {

    @Test
    void nearestRankOnOneToHundredIsTheRankItself() {
        List<Double> sample = new ArrayList<>();
        for (int i = 100; i >= 1; i--) {
            sample.add((double) i);
        }
        Collections.shuffle(sample, new java.util.Random(7));

        Percentiles p = Percentiles.of(sample);

        assertThat(p.count()).isEqualTo(100);
        assertThat(p.p50()).isEqualTo(50.0);
        assertThat(p.p99()).isEqualTo(99.0);
        assertThat(p.min()).isEqualTo(1.0);
        assertThat(p.max()).isEqualTo(100.0);
        assertThat(p.mean()).isEqualTo(50.5);
    }

    @Test
    void p99OfFiftySamplesIsTheLargestAndP50TheTwentyFifth() {
        List<Double> sample = new ArrayList<>();
        for (int i = 1; i <= 50; i++) {
            sample.add(i * 2.0);
        }

        Percentiles p = Percentiles.of(sample);

        assertThat(p.p99()).isEqualTo(100.0);
        assertThat(p.p50()).isEqualTo(50.0);
    }

    @Test
    void aSingleSampleIsEveryPercentile() {
        Percentiles p = Percentiles.of(List.of(3.5));

        assertThat(p.p50()).isEqualTo(3.5);
        assertThat(p.p99()).isEqualTo(3.5);
    }

    @Test
    void anEmptySampleIsRefusedWithAReason() {
        assertThatThrownBy(() -> Percentiles.of(List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no samples");
    }

    @Test
    void aPercentileOutsideZeroToHundredIsRefused() {
        assertThatThrownBy(() -> Percentiles.rank(List.of(1.0), 0)).hasMessageContaining("(0, 100]");
        assertThatThrownBy(() -> Percentiles.rank(List.of(1.0), 101)).hasMessageContaining("(0, 100]");
    }

    @Test
    void millisBetweenConvertsNanoseconds() {
        assertThat(Percentiles.millisBetween(1_000_000, 3_500_000)).isEqualTo(2.5);
    }
}
