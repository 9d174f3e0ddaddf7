"""Generated test mail for the benchmarks: realistic headers, bodies of
varied length with some "From " lines (quoted in the mbox) and 8-bit
bytes, the same for a given seed."""
import random

WORDS = ("the of and to in is that for it as with was on be by this are "
         "mail server message spool queue header body delivery lock fsync "
         "caf\u00e9 na\u00efve gr\u00fc\u00dfe r\u00e9sum\u00e9").split()


def message(rng, i, size):
    """One message (LF line ends, no From_ line) of about size bytes."""
    head = (
        "Return-Path: <sender%d@example.org>\n"
        "Received: from mx%d.example.org (mx%d.example.org [192.0.2.%d])\n"
        "\tby mail.example.net with ESMTP id %08X\n"
        "\tfor <bench@example.net>; Mon, 23 Nov 2026 10:%02d:%02d +0000\n"
        "Received: from [10.0.0.%d] by mx%d.example.org; "
        "Mon, 23 Nov 2026 10:%02d:00 +0000\n"
        "From: Sender %d <sender%d@example.org>\n"
        "To: Bench <bench@example.net>\n"
        "Subject: message %d about %s\n"
        "Date: Mon, 23 Nov 2026 10:%02d:%02d +0000\n"
        "Message-ID: <%d.%08X@example.org>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "Content-Transfer-Encoding: 8bit\n\n"
        % (i % 97, i % 7, i % 7, i % 250, rng.getrandbits(32), i % 60,
           i % 60, i % 250, i % 7, i % 60, i % 97, i % 97, i,
           rng.choice(WORDS), i % 60, i % 60, i, rng.getrandbits(32)))
    lines = []
    length = len(head)
    while length < size:
        if rng.random() < 0.02:
            line = "From the archive: " + " ".join(rng.choices(WORDS, k=6))
        else:
            line = " ".join(rng.choices(WORDS, k=rng.randint(3, 12)))
        lines.append(line)
        length += len(line.encode()) + 1
    return (head + "\n".join(lines) + "\n").encode()


def sizes(rng, count, mean):
    """Message sizes around mean, skewed like real mail."""
    return [max(400, min(int(rng.lognormvariate(0, 0.6) * mean * 0.84),
                         mean * 20)) for _ in range(count)]


def write_mbox(path, count, mean=3000, seed=1):
    """An mbox of count messages (mboxrd quoting), as our spool keeps it."""
    rng = random.Random(seed)
    with open(path, "wb") as f:
        for i, size in enumerate(sizes(rng, count, mean)):
            f.write(b"From sender%d@example.org Mon Nov 23 10:%02d:%02d 2026\n"
                    % (i % 97, i % 60, i % 60))
            for line in message(rng, i, size).split(b"\n")[:-1]:
                if line.lstrip(b">").startswith(b"From "):
                    line = b">" + line
                f.write(line + b"\n")
            f.write(b"\n")
