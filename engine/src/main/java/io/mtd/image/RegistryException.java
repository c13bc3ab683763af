package io.mtd.image;

/** The registry could not be reached, refused the credentials, or does not have the image; the message says which and what to do. */
public class RegistryException extends RuntimeException {

    public RegistryException(String message) {
        super(message);
    }

    public RegistryException(String message, Throwable cause) {
        super(message, cause);
    }
}
