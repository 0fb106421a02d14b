package org.cleverrunner.clevercloud;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import org.cleverrunner.clevercloud.internal.Values;

/** The authenticated user ({@code GET /v2/self}); its {@code id} ({@code user_…}) is its personal space. */
public record User(
        String id,
        String email,
        String name,
        String phone,
        String address,
        String city,
        String zipcode,
        String country,
        String avatar,
        Long creationDate,
        String lang,
        Boolean emailValidated,
        List<String> oauthApps,
        Boolean admin,
        Boolean canPay,
        @JsonProperty("preferredMFA") String preferredMfa,
        Boolean hasPassword,
        String partnerId,
        String partnerName,
        String partnerConsoleUrl) {

    public User {
        oauthApps = Values.list(oauthApps);
    }
}
