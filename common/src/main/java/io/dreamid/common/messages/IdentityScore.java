package io.dreamid.common.messages;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.Collections;
import java.util.Comparator;
import java.util.Map;
import java.util.TreeMap;

/**
 * How near an output image's face is to the job's input face, as the identity judge (face-service) measured it
 * with dlib's face-recognition network.
 *
 * <p>For a job of several people ({@code {id:NAME}}) {@code people} holds each person's own score (the face the judge
 * assigned to that person, one face per person) and the image-level fields are the worst person's
 * ({@link #worstOf}): a person without a face makes the image {@code faceFound=false}, otherwise the largest
 * distance speaks for the image, so {@code samePerson} is true only when every person is recognised. Clients that
 * know only the image-level fields read a several-people image as its weakest likeness.
 *
 * @param faceFound  whether the image has a face (several people: whether every person has one); without one the
 *                   distance, similarity and samePerson are null
 * @param distance   euclidean distance of the two descriptors
 * @param similarity {@code max(0, 1 - distance / 1.2)}: 1 identical, 0.5 at dlib's threshold 0.6
 * @param samePerson {@code distance < 0.6}
 * @param chosen     for a candidate of a {@code bestOf} job: whether the judge chose it as the image (null for a job
 *                   without candidates)
 * @param people     for a job of several people: each person's score by name, sorted by name (never null; empty for
 *                   a job of one person)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record IdentityScore(boolean faceFound, Double distance, Double similarity, Boolean samePerson,
        Boolean chosen, @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, IdentityScore> people) {

    /** A person without a face is the worst; among faces, the largest distance. */
    private static final Comparator<IdentityScore> BEST_FIRST = Comparator
            .comparing((IdentityScore s) -> !s.faceFound())
            .thenComparing(s -> s.faceFound() ? s.distance() : 0.0);

    public IdentityScore {
        people = people == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(people));
    }

    /** The score of an image of one person that is not a candidate of a {@code bestOf} job. */
    public IdentityScore(boolean faceFound, Double distance, Double similarity, Boolean samePerson) {
        this(faceFound, distance, similarity, samePerson, null, null);
    }

    /** The score of an image of one person, with the judge's choice among candidates (null: no candidates). */
    public IdentityScore(boolean faceFound, Double distance, Double similarity, Boolean samePerson, Boolean chosen) {
        this(faceFound, distance, similarity, samePerson, chosen, null);
    }

    /** This score with the judge's choice among the candidates of one image. */
    public IdentityScore asCandidate(boolean isChosen) {
        return new IdentityScore(faceFound, distance, similarity, samePerson, isChosen, people);
    }

    /** The score of an image without a face. */
    public static IdentityScore noFace() {
        return new IdentityScore(false, null, null, null);
    }

    /**
     * The score of an image of several people: the image-level fields are the worst person's (no face before any
     * face, then the largest distance), {@code people} every person's.
     */
    public static IdentityScore worstOf(Map<String, IdentityScore> people) {
        if (people.isEmpty()) {
            throw new IllegalArgumentException("an image of several people needs at least one person's score");
        }
        IdentityScore worst = people.values().stream().max(BEST_FIRST).orElseThrow();
        return new IdentityScore(worst.faceFound, worst.distance, worst.similarity, worst.samePerson, null, people);
    }
}
