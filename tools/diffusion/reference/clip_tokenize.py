#!/usr/bin/python3
"""Independent reference for ClipTokenizer: OpenAI CLIP's simple_tokenizer algorithm, rewritten from the
published code (github.com/openai/CLIP, clip/simple_tokenizer.py, MIT), built from OpenAI's original merge
file (bpe_simple_vocab_16e6.txt.gz), not from the vocab.json/merges.txt the Java side reads.

One deliberate difference from the original: it calls ftfy.fix_text first, which is not available here
(nor in the Java service); every prompt below is plain, well-formed Unicode, on which ftfy is a no-op.

Usage: /usr/bin/python3 clip_tokenize.py /work/shared/testdata/clip/bpe_simple_vocab_16e6.txt.gz \
  > ../../../diffusion-service/src/test/resources/tokenizer/clip-golden.json
"""
import gzip
import html
import json
import sys
from functools import lru_cache

import regex as re


@lru_cache()
def bytes_to_unicode():
    """GPT-2's reversible byte -> printable unicode character map (256 entries)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(2 ** 8):
        if b not in bs:
            bs.append(b)
            cs.append(2 ** 8 + n)
            n += 1
    return dict(zip(bs, [chr(n) for n in cs]))


def get_pairs(word):
    pairs = set()
    prev_char = word[0]
    for char in word[1:]:
        pairs.add((prev_char, char))
        prev_char = char
    return pairs


def basic_clean(text):
    text = html.unescape(html.unescape(text))
    return text.strip()


def whitespace_clean(text):
    text = re.sub(r"\s+", " ", text)
    return text.strip()


class SimpleTokenizer:
    def __init__(self, bpe_path):
        self.byte_encoder = bytes_to_unicode()
        merges = gzip.open(bpe_path).read().decode("utf-8").split("\n")
        merges = merges[1:49152 - 256 - 2 + 1]
        merges = [tuple(merge.split()) for merge in merges]
        vocab = list(bytes_to_unicode().values())
        vocab = vocab + [v + "</w>" for v in vocab]
        for merge in merges:
            vocab.append("".join(merge))
        vocab.extend(["<|startoftext|>", "<|endoftext|>"])
        self.encoder = dict(zip(vocab, range(len(vocab))))
        self.bpe_ranks = dict(zip(merges, range(len(merges))))
        self.cache = {"<|startoftext|>": "<|startoftext|>", "<|endoftext|>": "<|endoftext|>"}
        self.pat = re.compile(r"""<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+""", re.IGNORECASE)

    def bpe(self, token):
        if token in self.cache:
            return self.cache[token]
        word = tuple(token[:-1]) + (token[-1] + "</w>",)
        pairs = get_pairs(word)
        if not pairs:
            return token + "</w>"
        while True:
            bigram = min(pairs, key=lambda pair: self.bpe_ranks.get(pair, float("inf")))
            if bigram not in self.bpe_ranks:
                break
            first, second = bigram
            new_word = []
            i = 0
            while i < len(word):
                try:
                    j = word.index(first, i)
                    new_word.extend(word[i:j])
                    i = j
                except ValueError:
                    new_word.extend(word[i:])
                    break
                if word[i] == first and i < len(word) - 1 and word[i + 1] == second:
                    new_word.append(first + second)
                    i += 2
                else:
                    new_word.append(word[i])
                    i += 1
            word = tuple(new_word)
            if len(word) == 1:
                break
            pairs = get_pairs(word)
        word = " ".join(word)
        self.cache[token] = word
        return word

    def encode(self, text):
        bpe_tokens = []
        text = whitespace_clean(basic_clean(text)).lower()
        for token in re.findall(self.pat, text):
            token = "".join(self.byte_encoder[b] for b in token.encode("utf-8"))
            bpe_tokens.extend(self.encoder[bpe_token] for bpe_token in self.bpe(token).split(" "))
        return bpe_tokens


PROMPTS = [
    "a photo of a cat",
    "A Photo Of A CAT, Highly Detailed!!!",
    "portrait of sks person, 4k, trending on artstation",
    "it's a dog's life; they're here, we've won, I'm sure you'll see, he'd go",
    "IT'S LOUD, YOU'LL HEAR",
    "numbers: 12345 and 3.14159 and 1,000,000 and 2nd 21st 0x1F",
    "café crème brûlée, naïve façade, Ångström, São Paulo, Zürich",
    "İstanbul and ΣΊΣΥΦΟΣ and ΟΔΟΣ and Straße",
    "emoji 😀🎉👍🏽 and flags 🇫🇷 and family 👨\u200d👩\u200d👧",
    "cats &amp; dogs &lt;3 &quot;quoted&quot; &#39;single&#39; &copy 2024 &eacute;t&eacute;",
    "double escaped &amp;amp; and &amp;lt;b&amp;gt; numeric &#128512; &#x1F600; &#X41; bad &#0; &#xD800; &#1114112; &#150;",
    "unknown &notanentity; partial &notit; &ampersand &AMP &",
    "  leading   and\ttrailing\n\nwhitespace \u00a0 runs\u3000here \u2003 ",
    "punctuation!!! ?? ... --- (parens) [brackets] {braces} <angle> @user #tag $5 %50 ^_^ ~tilde~ `tick`",
    "hello<|endoftext|>world <|startoftext|>again <|ENDOFTEXT|>",
    "中文的提示词 日本語のプロンプト 한국어 프롬프트",
    "mixed: e\u0301 (combining) vs \u00e9 (precomposed), ﬁ ligature, ½ fraction, ² superscript, Ⅻ roman",
    "right-to-left: שלום עולם مرحبا بالعالم",
    "a very long prompt " + " ".join("word%d" % i for i in range(80)),
    "masterpiece, best quality, ultra detailed, 8k, photorealistic, cinematic lighting, depth of field, "
    "bokeh, sharp focus, intricate details, award winning photograph, golden hour, volumetric fog, "
    "ray tracing, hyperrealistic skin texture, subsurface scattering, 85mm lens, f/1.8, professional "
    "color grading, film grain, high dynamic range, octane render, unreal engine 5, concept art, by greg "
    "rutkowski and alphonse mucha and artgerm, trending on artstation, featured on pixiv",
    "",
    "   \t\n  ",
    "x",
    "\x1fcontrol separators\x1c inside\x1dwords\x1e and\x85next line\x1c",
    "don't stop-believing... it's 9:30pm & 100°F outside — 'quoted' “curly” «guillemets»",
]


def main():
    tok = SimpleTokenizer(sys.argv[1])
    bos, eos = tok.encoder["<|startoftext|>"], tok.encoder["<|endoftext|>"]
    cases = []
    for prompt in PROMPTS:
        ids = tok.encode(prompt)
        # Stable Diffusion 1.x input_ids: start token, at most 75 tokens, end token, padded with <|endoftext|>.
        input_ids = ([bos] + ids[:75] + [eos])
        length = len(input_ids)
        input_ids = input_ids + [eos] * (77 - length)
        cases.append({"prompt": prompt, "ids": ids, "input_ids": input_ids, "length": length})
    json.dump({"generator": "tools/diffusion/reference/clip_tokenize.py",
               "vocabulary": "bpe_simple_vocab_16e6.txt.gz (OpenAI CLIP)",
               "cases": cases}, sys.stdout, ensure_ascii=True, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
