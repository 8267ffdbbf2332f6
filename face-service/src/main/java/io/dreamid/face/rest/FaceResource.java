package io.dreamid.face.rest;

import io.dreamid.common.models.RunGuard;
import io.dreamid.common.messages.ErrorCodes;
import io.dreamid.common.messages.ErrorInfo;
import io.dreamid.common.messages.FaceChoice;
import io.dreamid.face.detect.DetectorPolicy;
import io.dreamid.face.pipeline.FaceAnalysis;
import io.dreamid.face.pipeline.FaceEngine;
import io.dreamid.face.pipeline.FaceFailure;
import io.dreamid.face.pipeline.FaceRecord;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import io.dreamid.face.recognize.FaceComparer;
import org.jboss.resteasy.reactive.RestForm;
import org.jboss.resteasy.reactive.multipart.FileUpload;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;

import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * For operators debugging a photo: the same decoding, detection and alignment a job gets, on an uploaded image.
 * Runs on worker threads (these methods return plain values) and shares the job workers' predictors.
 */
@Path("/v1")
public class FaceResource {
    @Inject
    FaceEngine engine;

    /** Every face found, the chosen one, the transform, and the aligned crop as base64 PNG. */
    @POST
    @Path("/faces:detect")
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    public DetectResponse detect(byte[] image, @QueryParam("face") String face,
            @QueryParam("cropSize") Integer cropSize, @QueryParam("detector") String detector) {
        FaceAnalysis analysis = analyse(image, face, cropSize, detector);
        return new DetectResponse(analysis.record(), Base64.getEncoder().encodeToString(analysis.cropPng()),
                analysis.timings());
    }

    /** Only the aligned crop, as {@code image/png}; the chosen face's score and the face count in headers. */
    @POST
    @Path("/faces:align")
    @Consumes(MediaType.WILDCARD)
    @Produces("image/png")
    public Response align(byte[] image, @QueryParam("face") String face, @QueryParam("cropSize") Integer cropSize,
            @QueryParam("detector") String detector) {
        FaceAnalysis analysis = analyse(image, face, cropSize, detector);
        return Response.ok(analysis.cropPng(), "image/png")
                .header("X-Face-Score", analysis.record().chosen().score())
                .header("X-Faces-Found", analysis.detections().faces().size())
                .header("X-Face-Model", analysis.detections().model().id())
                .build();
    }

    /**
     * Whether two photos (multipart parts {@code a} and {@code b}) show the same person: dlib's face recognition
     * network on each photo's chosen face ({@code face}: largest, index:N, fail-if-several, for both photos).
     */
    @POST
    @Path("/faces:compare")
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Produces(MediaType.APPLICATION_JSON)
    public FaceComparer.Comparison compare(@RestForm("a") FileUpload a, @RestForm("b") FileUpload b,
            @RestForm("face") String face, @QueryParam("detector") String detector) {
        byte[] photoA = part(a, "a");
        byte[] photoB = part(b, "b");
        try (RunGuard.Run run = engine.enter()) {
            return engine.comparer().compare(photoA, photoB, choice(face), policy(detector));
        }
    }

    private static byte[] part(FileUpload upload, String name) {
        if (upload == null) {
            throw new FaceFailure(ErrorCodes.BAD_IMAGE, "the part '" + name + "' is missing; send two photos as file"
                    + " parts named 'a' and 'b'");
        }
        try {
            return Files.readAllBytes(upload.uploadedFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static FaceChoice choice(String face) {
        try {
            return FaceChoice.parse(face == null || face.isBlank() ? null : face.strip());
        } catch (IllegalArgumentException e) {
            throw new FaceFailure(ErrorCodes.BAD_SPEC, "face: " + e.getMessage(), e);
        }
    }

    private DetectorPolicy policy(String detector) {
        try {
            return detector == null ? engine.policy() : DetectorPolicy.parse(detector);
        } catch (IllegalArgumentException e) {
            throw new FaceFailure(ErrorCodes.BAD_SPEC, "detector: " + e.getMessage(), e);
        }
    }

    private FaceAnalysis analyse(byte[] image, String face, Integer cropSize, String detector) {
        if (image == null || image.length == 0) {
            throw new FaceFailure(ErrorCodes.BAD_IMAGE, "the request body is empty; send the image bytes"
                    + " (e.g. curl --data-binary @photo.jpg)");
        }
        FaceChoice choice = choice(face);
        DetectorPolicy policy = policy(detector);
        int size = cropSize == null ? engine.cropSize() : cropSize;
        if (size != 112 && size != 224) {
            throw new FaceFailure(ErrorCodes.BAD_SPEC, "cropSize must be 112 or 224, got " + size);
        }
        try (RunGuard.Run run = engine.enter()) {
            return engine.pipeline().analyse(image, choice, policy, size, new LinkedHashMap<>());
        }
    }

    @ServerExceptionMapper
    public Response failure(FaceFailure e) {
        int status = switch (e.code()) {
            case ErrorCodes.BAD_IMAGE, ErrorCodes.BAD_SPEC -> 400;
            default -> 422;
        };
        return Response.status(status).type(MediaType.APPLICATION_JSON)
                .entity(Map.of("error", ErrorInfo.of(e.code(), e.getMessage()))).build();
    }

    /**
     * @param record  what was found, as stored with a job's crop
     * @param cropPng the aligned crop, PNG, base64
     * @param timings milliseconds per step
     */
    public record DetectResponse(FaceRecord record, String cropPng, Map<String, Long> timings) {
    }
}
