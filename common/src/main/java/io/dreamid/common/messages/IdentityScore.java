package io.dreamid.common.messages;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * How near an output image's face is to the job's input face, as the identity judge (face-service) measured it
 * with dlib's face-recognition network.
 *
 * @param faceFound  whether the image has a face; without one the other fields are null
 * @param distance   euclidean distance of the two descriptors
 * @param similarity {@code max(0, 1 - distance / 1.2)}: 1 identical, 0.5 at dlib's threshold 0.6
 * @param samePerson {@code distance < 0.6}
 * @param chosen     for a candidate of a {@code bestOf} job: whether the judge chose it as the image (null for a job
 *                   without candidates)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record IdentityScore(boolean faceFound, Double distance, Double similarity, Boolean samePerson,
        Boolean chosen) {

    /** The score of an image that is not a candidate of a {@code bestOf} job. */
    public IdentityScore(boolean faceFound, Double distance, Double similarity, Boolean samePerson) {
        this(faceFound, distance, similarity, samePerson, null);
    }

    /** This score with the judge's choice among the candidates of one image. */
    public IdentityScore asCandidate(boolean isChosen) {
        return new IdentityScore(faceFound, distance, similarity, samePerson, isChosen);
    }

    /** The score of an image without a face. */
    public static IdentityScore noFace() {
        return new IdentityScore(false, null, null, null);
    }
}
