package org.cleverrunner.clevercloud;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * An organisation ({@code GET /v2/organisations}, {@code GET /v2/organisations/{id}}). Ids start with
 * {@code orga_}; a personal space is {@code user_…}.
 */
public record Organisation(
        String id,
        String name,
        String description,
        String billingEmail,
        String address,
        String city,
        String zipcode,
        String country,
        String company,
        @JsonProperty("VAT") String vat,
        String avatar,
        String vatState,
        String customerFullName,
        Boolean canPay,
        Boolean cleverEnterprise,
        String emergencyNumber,
        @JsonProperty("canSEPA") Boolean canSepa,
        @JsonProperty("isTrusted") Boolean trusted) {

    /** Whether this is a real organisation ({@code orga_…}) rather than a personal space. */
    public boolean isOrganisation() {
        return id != null && id.startsWith("orga_");
    }
}
