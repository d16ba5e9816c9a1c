package io.steadysink.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MemoryBudgetTest {

    private static final long MIB = 1024 * 1024;

    @Test
    void theShippedDefaultsNeedAbout107MiBOfHeap() {
        MemoryBudget budget = new MemoryBudget(124 * MIB, 4, 2, 2000, MIB, MIB);

        // a batch: one fetch of 1 MiB passed by one record of 1 MiB, and 2000 records' objects
        assertThat(budget.batchBytes()).isEqualTo(2 * MIB + 2000 * 512);
        assertThat(budget.fetchBufferBytes()).isEqualTo(2 * MIB);
        assertThat(budget.queuedBatches()).isEqualTo(3);
        assertThat(budget.recordBytes()).isEqualTo(2 * MIB + (3 + 4 * 4) * (2 * MIB + 2000 * 512));
        assertThat(budget.requiredBytes()).isEqualTo(48 * MIB + budget.recordBytes()).isEqualTo(111_730_688);
        assertThat(budget.fits()).isTrue();
        assertThat(new MemoryBudget(100 * MIB, 4, 2, 2000, MIB, MIB).fits()).isFalse();
    }

    @Test
    void aBatchOfSmallRecordsIsBoundedByMaxPollRecordsAndOfLargeOnesByTheFetchSize() {
        assertThat(new MemoryBudget(0, 1, 2, 10, 1000, MIB).batchBytes()).isEqualTo(10 * 1000 + 10 * 512);
        assertThat(new MemoryBudget(0, 1, 2, 10, MIB, MIB).batchBytes()).isEqualTo(2 * MIB + 10 * 512);
    }

    @Test
    void moreRecordsPerPollCostOnlyTheirObjectsOnceTheFetchSizeBoundsTheBatch() {
        MemoryBudget small = new MemoryBudget(0, 4, 2, 2000, MIB, MIB);
        MemoryBudget large = new MemoryBudget(0, 4, 2, 20000, MIB, MIB);

        assertThat(large.batchBytes() - small.batchBytes()).isEqualTo(18000 * 512);
    }

    @Test
    void everyWorkerAndQueuedBatchAddsItsBatch() {
        MemoryBudget budget = new MemoryBudget(0, 4, 2, 2000, MIB, MIB);

        assertThat(new MemoryBudget(0, 5, 2, 2000, MIB, MIB).recordBytes() - budget.recordBytes())
                .isEqualTo(MemoryBudget.WRITE_COPIES * budget.batchBytes());
        assertThat(new MemoryBudget(0, 4, 3, 2000, MIB, MIB).recordBytes() - budget.recordBytes())
                .isEqualTo(budget.batchBytes());
    }

    @Test
    void theDescriptionNamesTheSettingsAndTheFigures() {
        assertThat(new MemoryBudget(124 * MIB, 4, 2, 2000, MIB, MIB).describe())
                .contains("KAFKA_MAX_POLL_RECORDS=2000", "SINK_MAX_RECORD_BYTES=1048576",
                        "KAFKA_FETCH_MAX_BYTES=1048576", "= 107 MiB", "heap 124 MiB", "4 worker(s)");
    }
}
