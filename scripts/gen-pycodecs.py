#!/usr/bin/env python3
"""gen-pycodecs.py: write lib/pyparse/pyparse_codecs.inc, every codec name CPython accepts for source.

Run with the CPython whose rules aura-parse follows (3.11) on the machine whose glibc iconv
aura-parse uses: a codec is decoded with iconv only when iconv decodes every single byte
and (for multibyte codecs) every two-byte sequence 0x81..0xFE x 0x40..0xFE exactly as Python
does; unicode_escape and raw_unicode_escape are decoded by lib/pyparse/pyparse_source.c; any other
codec is DEC_NONE (aura-parse reports that it cannot read the file as CPython runs it).
Usage: scripts/gen-pycodecs.py > lib/pyparse/pyparse_codecs.inc   (needs cc for the iconv probe)
"""
import codecs, encodings, encodings.aliases, os, pkgutil, subprocess, sys, tempfile

PROBE = r'''
#include <iconv.h>
#include <stdio.h>
int main(int argc, char **argv) {
	iconv_t cd = iconv_open("UTF-8", argv[1]);
	if (cd == (iconv_t)-1) { puts("NOCODEC"); return 0; }
	unsigned char len; char in[8], out[64];
	while (fread(&len, 1, 1, stdin) == 1 && fread(in, 1, len, stdin) == len) {
		iconv(cd, NULL, NULL, NULL, NULL);
		char *ip = in, *op = out; size_t il = len, ol = sizeof out;
		if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1 || il) { puts("-"); continue; }
		iconv(cd, NULL, NULL, &op, &ol);
		for (char *p = out; p < op; p++) printf("%02x", (unsigned char)*p);
		puts("");
	}
	return 0;
}
'''
MULTIBYTE = {'big5', 'big5hkscs', 'cp932', 'cp949', 'cp950', 'euc_jis_2004', 'euc_jisx0213',
             'euc_jp', 'euc_kr', 'gb18030', 'gb2312', 'gbk', 'hz', 'iso2022_jp', 'iso2022_jp_1',
             'iso2022_jp_2', 'iso2022_jp_2004', 'iso2022_jp_3', 'iso2022_jp_ext', 'iso2022_kr',
             'johab', 'shift_jis', 'shift_jis_2004', 'shift_jisx0213'}
# iconv names to try beyond the codec's own name in upper case
EXTRA = {'mac-roman': ['MACINTOSH'], 'shift_jis': ['SJIS', 'CP932'], 'hp-roman8': ['ROMAN8'],
         'mac-cyrillic': ['MAC-CYRILLIC'], 'mac-greek': ['MACGREEK'], 'mac-iceland': ['MAC-IS'],
         'mac-latin2': ['MAC-CENTRALEUROPE'], 'mac-turkish': ['MACTURKISH'], 'ptcp154': ['PT154'],
         'kz1048': ['RK1048'], 'big5hkscs': ['BIG5-HKSCS'], 'euc_jis_2004': ['EUC-JISX0213'],
         'shift_jis_2004': ['SHIFT_JISX0213'], 'euc_jisx0213': ['EUC-JISX0213'],
         'shift_jisx0213': ['SHIFT_JISX0213'], 'cp949': ['UHC'], 'gb2312': ['EUC-CN'],
         'gbk': ['CP936'], 'cp874': ['TIS-620', 'WINDOWS-874'], 'hz': ['HZ-GB-2312'],
         'cp273': ['IBM273'], 'iso2022_jp': ['ISO-2022-JP'], 'iso2022_kr': ['ISO-2022-KR']}


def pydec(name, b):
    try:
        return b.decode(name).encode('utf-8', 'surrogatepass').hex()
    except Exception:
        return '-'


def iconv_matches(probe, iconv_name, codec):
    samples = [bytes([i]) for i in range(256)]
    if codec in MULTIBYTE:
        samples += [bytes([a, b]) for a in range(0x81, 0xff) for b in range(0x40, 0xff)]
    data = b''.join(bytes([len(b)]) + b for b in samples)
    out = subprocess.run([probe, iconv_name], input=data, capture_output=True).stdout.decode().split('\n')
    return out[0] != 'NOCODEC' and all(pydec(codec, b) == o for b, o in zip(samples, out))


def main():
    tmp = tempfile.mkdtemp()
    with open(os.path.join(tmp, 'p.c'), 'w') as f:
        f.write(PROBE)
    probe = os.path.join(tmp, 'probe')
    subprocess.run(['cc', '-O2', '-o', probe, os.path.join(tmp, 'p.c')], check=True)
    names = {}
    for m in sorted({m.name for m in pkgutil.iter_modules(encodings.__path__)} - {'aliases'}):
        names[m] = m
    names.update(encodings.aliases.aliases)
    rows, decided = [], {}
    for key, mod in sorted(names.items()):
        try:
            ci = codecs.lookup(mod)
        except LookupError:
            continue
        if not getattr(ci, '_is_text_encoding', True):
            continue  # CPython's tokenizer refuses a codec that is not a text encoding
        canon = ci.name
        if canon not in decided:
            if canon == 'utf-8':
                decided[canon] = ('DEC_UTF8', '')
            elif canon == 'unicode-escape':
                decided[canon] = ('DEC_UNICODE_ESCAPE', '')
            elif canon == 'raw-unicode-escape':
                decided[canon] = ('DEC_RAW_UNICODE_ESCAPE', '')
            elif canon == 'utf-7':
                # glibc refuses some bytes Python takes directly (`\\`, `~`, 8-bit): valid
                # text decodes alike, and a refused byte makes aura-parse report the file
                # as one it cannot read as CPython does (lib/pyparse/pyparse_source.c)
                decided[canon] = ('DEC_ICONV', 'UTF-7')
            elif canon.startswith(('utf-16', 'utf-32')):
                decided[canon] = ('DEC_NUL_BYTES', '')
            else:
                up = canon.upper().replace('_', '-')
                cands = [up, up.replace('-', '')] + EXTRA.get(canon, [])
                if up.startswith('CP'):
                    cands.append('IBM' + up[2:])
                found = next((c for c in dict.fromkeys(cands) if iconv_matches(probe, c, canon)), None)
                decided[canon] = ('DEC_ICONV', found) if found else ('DEC_NONE', '')
        dec, ic = decided[canon]
        rows.append(f'\t{{ "{key}", "{canon}", {dec}, "{ic}" }},')
    print('/* pyparse_codecs.inc: every name CPython 3.11 accepts for a text codec -> how '
          'aura-parse decodes it (generated by scripts/gen-pycodecs.py; do not edit). */')
    print('\n'.join(rows))


if __name__ == '__main__':
    main()
