package io.mtd.migration;

/** The Job condition types that end a migration Job. */
public enum JobConditionType {
    COMPLETE("Complete"),
    FAILED("Failed");

    private final String value;

    JobConditionType(String value) {
        this.value = value;
    }

    /** As the Job's status writes it. */
    public String value() {
        return value;
    }
}
