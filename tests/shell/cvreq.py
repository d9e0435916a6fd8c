#!/usr/bin/env python3
"""Test tool: builds BSI TR-03110-3 CV requests on brainpoolP256r1 with
python-cryptography keys, as a DVCA would send them (openpace's cvc-create
makes certificates, not requests).  Test keys only.

  cvreq.py --key OUT.pkcs8 --chr CHR [--car CAR] [--outer-key K --outer-car C] OUT
"""
import argparse, os, sys
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils

# RFC 5639 brainpoolP256r1
P = 0xA9FB57DBA1EEA9BC3E660A909D838D726E3BF623D52620282013481D1F6E5377
A = 0x7D5A0975FC2C3057EEF67530417AFFE7FB8055C126DC5C6CE94A4B44F330B5D9
B = 0x26DC5C6CE94A4B44F330B5D9BBD77CBF958416295CF7E1CE6BCCDC18FF8C07B6
GX = 0x8BD2AEB9CB7E57CB2C4B482FFC81B7AFB9DE27E1E3BD23C23A4453BD9ACE3262
GY = 0x547EF835C3DAC4FD97F8461A14611DC9C27745132DED8E545C1D54C72F046997
N = 0xA9FB57DBA1EEA9BC3E660A909D838D718C397AA3B561A6F7901E0E82974856A7
ECDSA_SHA256 = bytes.fromhex("04007F00070202020203")


def tlv(tag, value):
    n = len(value)
    if n < 0x80:
        ln = bytes([n])
    elif n < 0x100:
        ln = bytes([0x81, n])
    else:
        ln = bytes([0x82, n >> 8, n & 0xFF])
    return tag + ln + value


def uint(v):
    return v.to_bytes((v.bit_length() + 7) // 8, "big")


def point(pub):
    return pub.public_bytes(serialization.Encoding.X962,
                            serialization.PublicFormat.UncompressedPoint)


def sign(key, data):
    r, s = utils.decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def load_or_make(path):
    if os.path.exists(path):
        data = open(path, "rb").read()
        try:
            return serialization.load_der_private_key(data, None)
        except ValueError:
            return serialization.load_pem_private_key(data, None)
    key = ec.generate_private_key(ec.BrainpoolP256R1())
    open(path, "wb").write(key.private_bytes(serialization.Encoding.DER,
                                             serialization.PrivateFormat.PKCS8,
                                             serialization.NoEncryption()))
    return key


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--key", required=True)
    ap.add_argument("--chr", required=True)
    ap.add_argument("--car")
    ap.add_argument("--outer-key")
    ap.add_argument("--outer-car")
    ap.add_argument("out")
    a = ap.parse_args()
    key = load_or_make(a.key)
    g = b"\x04" + GX.to_bytes(32, "big") + GY.to_bytes(32, "big")
    pk = tlv(b"\x06", ECDSA_SHA256) + tlv(b"\x81", uint(P)) + tlv(b"\x82", uint(A)) + \
        tlv(b"\x83", uint(B)) + tlv(b"\x84", g) + tlv(b"\x85", uint(N)) + \
        tlv(b"\x86", point(key.public_key())) + tlv(b"\x87", b"\x01")
    body = tlv(b"\x5f\x29", b"\x00")
    if a.car:
        body += tlv(b"\x42", a.car.encode())
    body += tlv(b"\x7f\x49", pk) + tlv(b"\x5f\x20", a.chr.encode())
    body = tlv(b"\x7f\x4e", body)
    req = tlv(b"\x7f\x21", body + tlv(b"\x5f\x37", sign(key, body)))
    if a.outer_key:
        okey = load_or_make(a.outer_key)
        car = tlv(b"\x42", a.outer_car.encode())
        req = tlv(b"\x67", req + car + tlv(b"\x5f\x37", sign(okey, req + car)))
    open(a.out, "wb").write(req)


if __name__ == "__main__":
    sys.exit(main())
