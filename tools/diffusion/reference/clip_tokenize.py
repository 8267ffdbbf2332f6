#!/usr/bin/python3
"""Independent reference for ClipTokenizer: OpenAI CLIP's own clip/simple_tokenizer.py (MIT) with the ftfy it
imports (rspeer/python-ftfy, Apache-2.0), both fetched into a scratch folder and never committed. CLIP's
requirements.txt does not pin ftfy; the goldens were made with ftfy 6.3.1, its latest release (fix_text's defaults:
NFC, ligatures, character width, uncurled quotes, control characters, mojibake).

Scratch folder layout (git archive of each repository):
  REF/clip/simple_tokenizer.py, REF/clip/bpe_simple_vocab_16e6.txt.gz   from github.com/openai/CLIP
  REF/ftfy/...                                                          from github.com/rspeer/python-ftfy, tag v6.3.1
Needs Debian's python3-regex and python3-wcwidth (ftfy's one dependency).

Usage: /usr/bin/python3 clip_tokenize.py REF \
  > ../../../common/src/test/resources/tokenizer/clip-golden.json
"""
import importlib.util
import json
import sys


def load_reference(folder):
    sys.path.insert(0, folder)
    import ftfy
    spec = importlib.util.spec_from_file_location("simple_tokenizer", folder + "/clip/simple_tokenizer.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.SimpleTokenizer(folder + "/clip/bpe_simple_vocab_16e6.txt.gz"), ftfy


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

# Prompts as people type or paste them, where ftfy.fix_text changes the text before CLIP's own cleaning.
TEXT_FIX_PROMPTS = [
    "don’t stop, it’s a “smart quotes” and ‘single’ portrait, ‚low‛ „low‟ ʼmodifier",
    "a café with crème brûlée in Zürich, S̃ao Paulo and Ångström",
    "ＡＢＣ１２３ ｆｕｌｌｗｉｄｔｈ　ｐｒｏｍｐｔ！（Ｔｅｓｔ）",
    "halfwidth ｶﾀｶﾅ and Ｕﾀｰﾝ, hangul ﾡﾤ",
    "ﬁne ﬂowers, aﬀable eﬃcient baﬄe, ﬅyle ﬆar",
    "Ĳsselmeer ǆungla ǉubljana ǋegos ŉ",
    "control\x00chars\x07 here\x7f and \ufeffbom \u206ahidden \ufffcobject \x0bvertical\x0cfeed",
    "cafÃ© crÃ¨me brÃ»lÃ©e",
    "SÃ£o Paulo, naÃ¯ve faÃ§ade, ZÃ¼rich",
    "itâ€™s a â€œtestâ€\x9d of mojibake",
    "double-encoded cafÃƒÂ©",
    "café next to cafÃ©, both in one prompt",
    "emoji mojibake ðŸ˜€ and âœ” done",
    "price \x80 5 and \x93C1 quoted\x94 text",
    "\x1b[31mred\x1b[0m terminal \x1b[1;4mescapes\x1b[m",
    "P&EACUTE;REZ &ntilde; &NTILDE; &checkmark; &Jscr;ohn bundesstra&SZLIG;e",
    "<b>P&EACUTE;REZ</b> &eacute;t&eacute; with a tag",
    "line one\r\nline two\rline three\u2028four\u2029five",
    "lone \ud800 surrogate and \udfff another",
    "voilÃ\u00a0le travail",
    "âœ” No problems &macr;\\_(ã\x83\x84)_/&macr;",
]


def main():
    tok, ftfy = load_reference(sys.argv[1])
    bos, eos = tok.encoder["<|startoftext|>"], tok.encoder["<|endoftext|>"]
    cases = []
    for prompt in PROMPTS + TEXT_FIX_PROMPTS:
        ids = tok.encode(prompt)
        # Stable Diffusion 1.x input_ids: start token, at most 75 tokens, end token, padded with <|endoftext|>.
        input_ids = ([bos] + ids[:75] + [eos])
        length = len(input_ids)
        input_ids = input_ids + [eos] * (77 - length)
        case = {"prompt": prompt, "ids": ids, "input_ids": input_ids, "length": length}
        if prompt in TEXT_FIX_PROMPTS:
            case["fixed"] = ftfy.fix_text(prompt)
        cases.append(case)
    json.dump({"generator": "tools/diffusion/reference/clip_tokenize.py",
               "reference": "openai/CLIP clip/simple_tokenizer.py (commit d05afc4) with ftfy " + ftfy.__version__,
               "vocabulary": "bpe_simple_vocab_16e6.txt.gz (OpenAI CLIP)",
               "cases": cases}, sys.stdout, ensure_ascii=True, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
