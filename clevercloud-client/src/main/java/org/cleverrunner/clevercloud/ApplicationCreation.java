package org.cleverrunner.clevercloud;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The body of {@code POST /v2/organisations/{o}/applications} (and of the update, {@code PUT …/applications/{a}},
 * which takes the same fields). Every field the API documents is here, under the API's own name; a null field is
 * not sent. Build with {@link #builder(String)}, which applies clever-tools' defaults: {@code deploy=git},
 * {@code zone=par}, one instance, {@code maxFlavor = minFlavor}, {@code description = name}, and
 * {@code separateBuild = true} when a {@code buildFlavor} is given.
 *
 * <p>{@code env} values never print in {@link #toString()}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ApplicationCreation(
        String name,
        String description,
        String zone,
        String deploy,
        Boolean shutdownable,
        String instanceType,
        String instanceVersion,
        String instanceVariant,
        InstanceLifetime instanceLifetime,
        Integer minInstances,
        Integer maxInstances,
        String minFlavor,
        String maxFlavor,
        List<String> tags,
        Boolean archived,
        Boolean stickySessions,
        Boolean homogeneous,
        Boolean favourite,
        Boolean cancelOnPush,
        Boolean separateBuild,
        String buildFlavor,
        String oauthService,
        String oauthAppId,
        OAuthApp oauthApp,
        String applianceId,
        String branch,
        ForceHttps forceHttps,
        Map<String, String> env) {

    /** {@code oauthApp}: {@code {"owner":…,"name":…}} of a linked repository (GitHub). */
    public record OAuthApp(String owner, String name) {
    }

    public ApplicationCreation {
        tags = tags == null ? null : List.copyOf(tags);
        env = env == null ? null : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(env));
        if (instanceLifetime == InstanceLifetime.UNKNOWN) {
            throw new IllegalArgumentException("instanceLifetime UNKNOWN cannot be sent");
        }
        if (forceHttps == ForceHttps.UNKNOWN) {
            throw new IllegalArgumentException("forceHttps UNKNOWN cannot be sent");
        }
    }

    /** A builder for an application named {@code name}, with clever-tools' defaults. */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** A builder holding this body's fields, to derive a variant (e.g. an update). */
    public Builder toBuilder() {
        Builder b = new Builder(name);
        b.description = description;
        b.zone = zone;
        b.deploy = deploy;
        b.shutdownable = shutdownable;
        b.instanceType = instanceType;
        b.instanceVersion = instanceVersion;
        b.instanceVariant = instanceVariant;
        b.instanceLifetime = instanceLifetime;
        b.minInstances = minInstances;
        b.maxInstances = maxInstances;
        b.minFlavor = minFlavor;
        b.maxFlavor = maxFlavor;
        b.tags = tags;
        b.archived = archived;
        b.stickySessions = stickySessions;
        b.homogeneous = homogeneous;
        b.favourite = favourite;
        b.cancelOnPush = cancelOnPush;
        b.separateBuild = separateBuild;
        b.buildFlavor = buildFlavor;
        b.oauthService = oauthService;
        b.oauthAppId = oauthAppId;
        b.oauthApp = oauthApp;
        b.applianceId = applianceId;
        b.branch = branch;
        b.forceHttps = forceHttps;
        b.env = env;
        return b;
    }

    @Override
    public String toString() {
        return "ApplicationCreation[name=" + name + ", zone=" + zone + ", instanceType=" + instanceType
                + ", instanceVersion=" + instanceVersion + ", instanceVariant=" + instanceVariant
                + ", instanceLifetime=" + instanceLifetime + ", flavors=" + minFlavor + ".." + maxFlavor
                + ", instances=" + minInstances + ".." + maxInstances + ", tags=" + tags
                + ", env=" + (env == null ? null : env.keySet()) + "]";
    }

    /** Fluent builder; {@link #build()} requires {@code instanceType}, {@code instanceVersion},
     *  {@code instanceVariant} and {@code minFlavor}. */
    public static final class Builder {
        private final String name;
        private String description;
        private String zone = "par";
        private String deploy = "git";
        private Boolean shutdownable;
        private String instanceType;
        private String instanceVersion;
        private String instanceVariant;
        private InstanceLifetime instanceLifetime;
        private Integer minInstances = 1;
        private Integer maxInstances = 1;
        private String minFlavor;
        private String maxFlavor;
        private List<String> tags;
        private Boolean archived;
        private Boolean stickySessions;
        private Boolean homogeneous;
        private Boolean favourite;
        private Boolean cancelOnPush;
        private Boolean separateBuild;
        private String buildFlavor;
        private String oauthService;
        private String oauthAppId;
        private OAuthApp oauthApp;
        private String applianceId;
        private String branch;
        private ForceHttps forceHttps;
        private Map<String, String> env;

        private Builder(String name) {
            this.name = Objects.requireNonNull(name, "name");
        }

        public Builder description(String v) { description = v; return this; }
        public Builder zone(String v) { zone = v; return this; }
        public Builder deploy(String v) { deploy = v; return this; }
        public Builder shutdownable(Boolean v) { shutdownable = v; return this; }
        public Builder instanceType(String v) { instanceType = v; return this; }
        public Builder instanceVersion(String v) { instanceVersion = v; return this; }
        /** The variant's UUID ({@link InstanceVariant#id()}). */
        public Builder instanceVariant(String v) { instanceVariant = v; return this; }
        /** Type, version and variant of a product from {@code instanceTypes()}. */
        public Builder instance(InstanceType type) {
            instanceType = type.type();
            instanceVersion = type.version();
            instanceVariant = type.variant() == null ? null : type.variant().id();
            return this;
        }
        public Builder instanceLifetime(InstanceLifetime v) { instanceLifetime = v; return this; }
        public Builder minInstances(Integer v) { minInstances = v; return this; }
        public Builder maxInstances(Integer v) { maxInstances = v; return this; }
        /** Both the minimum and maximum number of instances. */
        public Builder instances(int count) { minInstances = count; maxInstances = count; return this; }
        public Builder minFlavor(String v) { minFlavor = v; return this; }
        public Builder maxFlavor(String v) { maxFlavor = v; return this; }
        /** Both the minimum and maximum flavor. */
        public Builder flavor(String v) { minFlavor = v; maxFlavor = v; return this; }
        public Builder tags(List<String> v) { tags = v; return this; }
        public Builder archived(Boolean v) { archived = v; return this; }
        public Builder stickySessions(Boolean v) { stickySessions = v; return this; }
        public Builder homogeneous(Boolean v) { homogeneous = v; return this; }
        public Builder favourite(Boolean v) { favourite = v; return this; }
        public Builder cancelOnPush(Boolean v) { cancelOnPush = v; return this; }
        public Builder separateBuild(Boolean v) { separateBuild = v; return this; }
        public Builder buildFlavor(String v) { buildFlavor = v; return this; }
        public Builder oauthService(String v) { oauthService = v; return this; }
        public Builder oauthAppId(String v) { oauthAppId = v; return this; }
        public Builder oauthApp(OAuthApp v) { oauthApp = v; return this; }
        public Builder applianceId(String v) { applianceId = v; return this; }
        public Builder branch(String v) { branch = v; return this; }
        public Builder forceHttps(ForceHttps v) { forceHttps = v; return this; }
        /** Environment set at creation (supported since 2024-03-07). */
        public Builder env(Map<String, String> v) { env = v; return this; }

        public ApplicationCreation build() {
            Objects.requireNonNull(instanceType, "instanceType");
            Objects.requireNonNull(instanceVersion, "instanceVersion");
            Objects.requireNonNull(instanceVariant, "instanceVariant");
            Objects.requireNonNull(minFlavor, "minFlavor");
            String max = maxFlavor == null ? minFlavor : maxFlavor;
            Boolean separate = separateBuild;
            if (separate == null && buildFlavor != null && !buildFlavor.isEmpty()) {
                separate = Boolean.TRUE;
            }
            if (minInstances != null && maxInstances != null && minInstances > maxInstances) {
                throw new IllegalArgumentException("minInstances " + minInstances + " > maxInstances " + maxInstances);
            }
            if (env != null) {
                env.keySet().forEach(EnvironmentNames::check);
            }
            return new ApplicationCreation(name, description == null ? name : description, zone, deploy,
                    shutdownable, instanceType, instanceVersion, instanceVariant, instanceLifetime, minInstances,
                    maxInstances, minFlavor, max, tags, archived, stickySessions, homogeneous, favourite,
                    cancelOnPush, separate, buildFlavor, oauthService, oauthAppId, oauthApp, applianceId, branch,
                    forceHttps, env);
        }
    }
}
