package io.mtd.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LineCounterTest {

    @Test
    void everyNumberArrivingMeansNothingLost() {
        LogStreaming.Counter counter = new LogStreaming.Counter(5);
        for (int i = 1; i <= 5; i++) {
            counter.line(Integer.toString(i));
        }

        LogStreaming.Follower f = counter.result();

        assertThat(f.received()).isEqualTo(5);
        assertThat(f.lost()).isZero();
    }

    @Test
    void missingNumbersAreLostEvenWhenDuplicatesOrOtherLinesMakeUpTheCount() {
        LogStreaming.Counter counter = new LogStreaming.Counter(5);
        counter.line("1");
        counter.line("2");
        counter.line("2");
        counter.line("not a number");
        counter.line("5");

        LogStreaming.Follower f = counter.result();

        assertThat(f.received()).isEqualTo(5);
        assertThat(f.lost()).isEqualTo(2);
    }

    @Test
    void noLinesAtAllIsEverythingLostAtNoRate() {
        LogStreaming.Follower f = new LogStreaming.Counter(3).result();

        assertThat(f.lost()).isEqualTo(3);
        assertThat(f.linesPerSecond()).isZero();
    }
}
