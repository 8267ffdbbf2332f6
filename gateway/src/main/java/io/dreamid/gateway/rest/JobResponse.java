package io.dreamid.gateway.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.dreamid.common.ObjectKeys;
import io.dreamid.common.messages.ErrorInfo;
import io.dreamid.common.messages.IdentityScore;
import io.dreamid.common.messages.JobSpec;
import io.dreamid.common.messages.JobStatus;
import io.dreamid.common.messages.Stage;
import io.dreamid.gateway.state.JobView;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A job as the API shows it.
 *
 * @param url      this job's URL (relative to the gateway)
 * @param progress 0..1 over the whole job
 * @param timings  milliseconds per step, keyed {@code <stage>.<step>}
 * @param error    why the job failed (FAILED only)
 * @param images   links to the generated images (SUCCEEDED only), one per requested image; for a {@code bestOf}
 *                 job each is the candidate the identity judge chose (candidate 0 until it has chosen) and lists
 *                 the others
 * @param spec     what was asked, with the defaults and the seed the gateway filled in
 * @param photoRef the job's input photo (an object key a later job may name as its photoRef to run again)
 * @param photos   a job of several people's input photos by photo part (for a later job's {@code photos})
 * @param notices  things the user should know about the result, from the stages' events, e.g. that the images
 *                 come from the tiny test model and are noise by design
 */
public record JobResponse(
        String jobId,
        String url,
        JobStatus status,
        Stage stage,
        double progress,
        Map<String, Long> timings,
        ErrorInfo error,
        List<ImageLink> images,
        JobSpec spec,
        String identityId,
        String photoRef,
        Map<String, String> photos,
        Instant createdAt,
        Instant updatedAt,
        List<String> notices) {

    /**
     * One generated image.
     *
     * @param index  the {@code n} of {@code /v1/jobs/{id}/images/{n}}
     * @param prompt which prompt it is for (from 0)
     * @param image  which image of that prompt (from 0)
     * @param identity how near its face is to the job's input face (the identity judge's scores; absent until the
     *               judge has scored the image, and for jobs without an input face)
     * @param candidate  for a {@code bestOf} job: which of the image's candidates this is (from 0); absent otherwise
     * @param candidates for a {@code bestOf} job: the image's other candidates with their scores; absent otherwise
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ImageLink(int index, Integer prompt, Integer image, String url, IdentityScore identity,
            Integer candidate, List<CandidateLink> candidates) {
    }

    /** A candidate of a {@code bestOf} job's image that was not chosen: its link and the judge's scores. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record CandidateLink(int index, int candidate, String url, IdentityScore identity) {
    }

    public static String jobUrl(String jobId) {
        return "/v1/jobs/" + jobId;
    }

    public static JobResponse of(JobView view) {
        List<ImageLink> images = new ArrayList<>();
        Map<List<Integer>, List<Integer>> candidatesOfImage = new LinkedHashMap<>();
        List<String> outputs = view.outputs();
        for (int n = 0; n < outputs.size(); n++) {
            ObjectKeys.OutputName name = ObjectKeys.outputName(outputs.get(n));
            if (name != null && name.candidate() != null) {
                candidatesOfImage.computeIfAbsent(List.of(name.prompt(), name.image()), k -> new ArrayList<>()).add(n);
            } else {
                images.add(new ImageLink(n, name == null ? null : name.prompt(), name == null ? null : name.image(),
                        imageUrl(view, n), view.identityScores().get(outputs.get(n)), null, null));
            }
        }
        candidatesOfImage.forEach((image, indices) -> images.add(chosenOf(view, image, indices)));
        images.sort(Comparator.comparing(ImageLink::prompt, Comparator.nullsLast(Comparator.naturalOrder()))
                .thenComparing(ImageLink::image, Comparator.nullsLast(Comparator.naturalOrder()))
                .thenComparing(ImageLink::index));
        return new JobResponse(view.jobId(), jobUrl(view.jobId()), view.status(), view.stage(), view.progress(),
                view.timings(), view.error(), images, view.spec(), view.identityId(), view.photoRef(), view.photos(), view.createdAt(),
                view.updatedAt(), view.notices());
    }

    /**
     * The image a {@code bestOf} job shows for one requested image: the candidate the judge chose, or the first
     * until the judge has chosen (and for a job it does not judge), with the other candidates listed.
     */
    private static ImageLink chosenOf(JobView view, List<Integer> image, List<Integer> indices) {
        List<String> outputs = view.outputs();
        int chosen = indices.stream()
                .filter(n -> Boolean.TRUE.equals(scoreOf(view, n) == null ? null : scoreOf(view, n).chosen()))
                .findFirst()
                .orElse(indices.stream().min(Comparator.comparing(n -> ObjectKeys.outputName(outputs.get(n))
                        .candidate())).orElseThrow());
        List<CandidateLink> others = indices.stream().filter(n -> n != chosen)
                .map(n -> new CandidateLink(n, ObjectKeys.outputName(outputs.get(n)).candidate(), imageUrl(view, n),
                        scoreOf(view, n)))
                .sorted(Comparator.comparing(CandidateLink::candidate))
                .toList();
        return new ImageLink(chosen, image.get(0), image.get(1), imageUrl(view, chosen), scoreOf(view, chosen),
                ObjectKeys.outputName(outputs.get(chosen)).candidate(), others);
    }

    private static IdentityScore scoreOf(JobView view, int n) {
        return view.identityScores().get(view.outputs().get(n));
    }

    private static String imageUrl(JobView view, int n) {
        return jobUrl(view.jobId()) + "/images/" + n;
    }
}
