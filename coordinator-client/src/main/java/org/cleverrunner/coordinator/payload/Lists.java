package org.cleverrunner.coordinator.payload;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Null-tolerant immutable copies: Rails omits empty lists, and some lists may hold nulls. */
final class Lists {
    private Lists() {
    }

    static <T> List<T> copy(List<T> list) {
        if (list == null || list.isEmpty()) {
            return List.of();
        }
        List<T> copy = new ArrayList<>(list.size());
        for (T item : list) {
            if (item != null) {
                copy.add(item);
            }
        }
        return Collections.unmodifiableList(copy);
    }
}
