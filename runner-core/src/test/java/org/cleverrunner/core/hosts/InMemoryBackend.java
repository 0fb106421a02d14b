package org.cleverrunner.core.hosts;

import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.cleverrunner.spi.Flavor;
import org.cleverrunner.spi.Vm;
import org.cleverrunner.spi.VmBackend;
import org.cleverrunner.spi.VmSpec;
import org.cleverrunner.spi.VmStatus;

/**
 * A cloud in memory, for the lifecycle's tests: VMs boot for a number of status polls, and failures can be queued
 * for each kind of call. Everything it was asked is recorded.
 */
final class InMemoryBackend implements VmBackend {

    final Map<String, Vm> vms = new ConcurrentHashMap<>();
    final Map<String, String> tokens = new ConcurrentHashMap<>();
    final Map<String, AtomicInteger> polls = new ConcurrentHashMap<>();
    final List<String> calls = Collections.synchronizedList(new ArrayList<>());
    final List<RuntimeException> createFailures = Collections.synchronizedList(new ArrayList<>());
    final List<RuntimeException> deleteFailures = Collections.synchronizedList(new ArrayList<>());
    volatile int bootPolls = 2;
    volatile VmStatus.State endState = VmStatus.State.RUNNING;
    volatile boolean createHalfwayThenFail;
    private final AtomicInteger ids = new AtomicInteger();

    @Override
    public Map<String, Flavor> flavors() {
        Map<String, Flavor> flavors = new LinkedHashMap<>();
        flavors.put("S", new Flavor("S", 4096, 2, 0.1));
        flavors.put("M", new Flavor("M", 8192, 4, 0.2));
        flavors.put("XL", new Flavor("XL", 32768, 8, 0.8));
        return flavors;
    }

    @Override
    public String defaultFlavor() {
        return "M";
    }

    @Override
    public Vm create(VmSpec spec) {
        calls.add("create " + spec.name() + " " + spec.flavor());
        Vm existing = vms.values().stream().filter(vm -> vm.name().equals(spec.name())).findFirst().orElse(null);
        Vm vm = existing != null ? existing
                : new Vm("vm-" + ids.incrementAndGet(), spec.name(), spec.flavor(), Map.of("zone", "test"));
        vms.put(vm.id(), vm);
        tokens.put(vm.id(), spec.accessToken().reveal());
        if (!createFailures.isEmpty()) {
            // the cloud made the VM, then the call failed: the lifecycle must find it by name
            throw createFailures.remove(0);
        }
        return vm;
    }

    @Override
    public VmStatus status(Vm vm) {
        calls.add("status " + vm.name());
        if (!vms.containsKey(vm.id())) {
            return new VmStatus(VmStatus.State.GONE, null, null);
        }
        int seen = polls.computeIfAbsent(vm.id(), id -> new AtomicInteger()).incrementAndGet();
        if (seen <= bootPolls) {
            return VmStatus.booting("boot poll " + seen);
        }
        return endState == VmStatus.State.RUNNING ? VmStatus.running(URI.create("http://" + vm.id() + ".test:8080"))
                : new VmStatus(endState, null, "deployment failed");
    }

    @Override
    public List<Vm> list(String namePrefix) {
        calls.add("list " + namePrefix);
        return vms.values().stream().filter(vm -> vm.name().startsWith(namePrefix)).toList();
    }

    @Override
    public void delete(Vm vm) {
        calls.add("delete " + vm.id());
        if (!deleteFailures.isEmpty()) {
            throw deleteFailures.remove(0);
        }
        vms.remove(vm.id());
    }
}
