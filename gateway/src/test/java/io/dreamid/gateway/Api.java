package io.dreamid.gateway;

import io.dreamid.gateway.auth.ApiKeyFilter;
import io.restassured.RestAssured;
import io.restassured.specification.RequestSpecification;


/** Requests to the gateway under test, as a client with a given API key sends them. */
public final class Api {
    public static final String SPEC = "{\"prompts\": [\"a photo of {id} as an astronaut\"], \"steps\": 20}";

    private Api() {
    }

    public static RequestSpecification as(String apiKey) {
        return RestAssured.given().header(ApiKeyFilter.HEADER, apiKey);
    }

    /** A multipart submission with the spec as a plain form field, as curl -F sends it. */
    public static RequestSpecification photoJob(String apiKey, byte[] photo, String filename, String spec) {
        return as(apiKey)
                .multiPart("photo", filename, photo, "image/jpeg")
                .multiPart("spec", spec, "application/json");
    }
}
