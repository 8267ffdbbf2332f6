package io.dreamid.gateway.service;

import io.dreamid.common.ObjectKeys;
import io.dreamid.common.messages.ErrorCodes;
import io.dreamid.common.messages.JobSpec;
import io.dreamid.common.messages.Placeholders;
import io.dreamid.common.storage.ObjectNotFoundException;
import io.dreamid.common.storage.ObjectStore;
import io.dreamid.common.storage.ObjectTooLargeException;
import io.dreamid.common.tensors.Safetensors;
import io.dreamid.common.tensors.SafetensorsException;
import io.dreamid.common.tensors.SafetensorsFile;
import io.dreamid.common.tokenizer.ClipTokenizer;
import io.dreamid.common.tokenizer.PromptBudget;
import io.dreamid.gateway.config.GatewayConfig;
import io.dreamid.gateway.rest.ApiException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Response;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Refuses at submission a prompt that does not fit the text encoder: the start token, the text up to the last
 * person, K words per placeholder and the end token must fit 77 positions. Tokens are counted with the CLIP
 * vocabulary that every Stable Diffusion 1.x/2.x bundle uses ({@link ClipTokenizer#clip()}, bundled in common);
 * K is an identity's own (its file's {@code words}) or, for a person who comes as a photo, {@code words-per-photo}.
 * The diffusion stage applies the same rule ({@link PromptBudget}) with the bundle's own tokenizer and real K.
 */
@ApplicationScoped
public class PromptLimits {
    private static final long MAX_IDENTITY_BYTES = 64L * 1024 * 1024;
    /** The tensor of an identity file: [words, width]. */
    private static final String EMBEDDING = "embedding";

    private final ObjectStore store;
    private final int wordsPerPhoto;

    PromptLimits(ObjectStore store, GatewayConfig config) {
        this.store = store;
        this.wordsPerPhoto = config.wordsPerPhoto();
    }

    /**
     * @param identityId the identity of {@code {id}}, or null when {@code {id}} is a photo (or unused)
     * @throws ApiException 400 BAD_SPEC with each over-long prompt's numbers
     */
    public void check(JobSpec spec, String identityId) {
        if (spec.prompts() == null || !spec.namesAPerson()) {
            return;
        }
        Map<String, Integer> words = new HashMap<>();
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < spec.prompts().size(); i++) {
            String prompt = spec.prompts().get(i);
            PromptBudget budget = PromptBudget.of(ClipTokenizer.clip(), prompt,
                    name -> words.computeIfAbsent(name, n -> wordsOf(spec, n, identityId)));
            if (!budget.fits()) {
                problems.add("prompts[" + i + "]: " + budget.refusal(prompt));
            }
        }
        if (!problems.isEmpty()) {
            throw new ApiException(Response.Status.BAD_REQUEST, ErrorCodes.BAD_SPEC, "the spec is not valid: "
                    + String.join("; ", problems), problems);
        }
    }

    private int wordsOf(JobSpec spec, String name, String identityId) {
        String person = name.equals(Placeholders.ONE) ? identityId
                : spec.people() == null ? null : spec.people().get(name);
        return person == null || JobSpec.photoPart(person) != null ? wordsPerPhoto : identityWords(person);
    }

    /** K of a stored identity: its embedding's rows ([words, width]). */
    private int identityWords(String identityId) {
        try {
            SafetensorsFile file = Safetensors.read(store.get(ObjectKeys.identity(identityId), MAX_IDENTITY_BYTES));
            long[] shape = file.shape(EMBEDDING);
            if (shape.length == 2) {
                return (int) shape[0];
            }
        } catch (ObjectNotFoundException | ObjectTooLargeException | SafetensorsException | IllegalArgumentException e) {
            // existence is checked elsewhere (404 IDENTITY_NOT_FOUND); an unreadable file fails at the encoder
        }
        return wordsPerPhoto;
    }
}
