package dev.bridge.api;

/** Something an action borrows from the plan by name: a model, a store, a prompt, a tool. */
public interface Resource {
    /** Returns the kind of this resource. */
    ResourceType getResourceType();
}
