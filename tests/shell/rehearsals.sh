#!/bin/sh
# Every shipped ceremony rehearsed in batch mode on a throwaway token.  The
# ceremonies that take a key an earlier ceremony made (use-key) rehearse
# with a stand-in key and self-signed certificate made from the template;
# their outputs verify against that stand-in.
. "$top_srcdir/tests/shell/lib.sh"

answers "$T/answers"
rehearse() { # NAME SCRIPT: rehearses the script copied into $T/NAME with the files given after
	_n=$1; _s=$2; shift 2
	mkdir -p "$T/$_n"
	cp "$top_srcdir/ceremony-scripts/$_s" "$T/$_n/"
	for _f in "$@"; do cp -r "$_f" "$T/$_n/"; done
	if "$CONCLAVE" run --rehearsal --answers "$T/answers" --out "$T/$_n/out" "$T/$_n/$_s" \
	    >"$T/$_n.log" 2>&1; then
		ok "$_s rehearses"
	else
		not_ok "$_s rehearses"; tail -10 "$T/$_n.log" | sed 's/^/    /'; return 1
	fi
	has "$_s: the stand-in is announced" 'rehearsal: a stand-in key and self-signed certificate' "$T/$_n.log"
	check "$_s: its transcript verifies" "$CONCLAVE" transcript verify "$T/$_n/out"
}
tmpl=$top_srcdir/templates

# DS certificates (named curves so that openssl verifies below the stand-in)
mkdir -p "$T/req/ds-requests"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/ds.key" \
	-subj "/C=UT/O=Utopia/CN=Document Signer 1" -out "$T/req/ds-requests/ds1.csr" 2>/dev/null
sed -e 's/^key.curve = .*/key.curve = P-384/' -e 's/^key.explicit_parameters = .*/key.explicit_parameters = no/' \
	"$tmpl/csca.tmpl" >"$T/csca.tmpl"
sed -e 's/^key.curve = .*/key.curve = P-256/' -e 's/^key.explicit_parameters = .*/key.explicit_parameters = no/' \
	"$tmpl/ds.tmpl" >"$T/ds.tmpl"
if rehearse ds ds-certs.ceremony "$T/csca.tmpl" "$T/ds.tmpl" "$T/req/ds-requests"; then
	check "ds-certs: the DS certificate verifies under the stand-in CSCA" \
		openssl verify -CAfile "$T/ds/out/csca.pem" "$T/ds/out/ds-1.pem"
	has "ds-certs: the stand-in CSCA is stamped REHEARSAL" 'REHEARSAL' "$T/ds/out/csca.pem"
fi

# the routine CRL
if rehearse crl csca-crl.ceremony "$T/csca.tmpl"; then
	check "csca-crl: the CRL verifies under the stand-in" \
		sh -c "openssl crl -in '$T/crl/out/csca-crl.pem' -CAfile '$T/crl/out/csca.pem' -noout 2>&1 | grep -q 'verify OK'"
fi

# revocations: the stand-in issued no certificate, so a revocation is refused
mkdir -p "$T/rv"
printf '[revoke 0A1B2C]\ndate = 2026-01-01\nreason = rehearsal\n' >"$T/rv/revocations.conf"
cp "$top_srcdir/ceremony-scripts/csca-revoke.ceremony" "$T/csca.tmpl" "$T/rv/"
refuse "csca-revoke: a rehearsal names the serial the stand-in never issued" \
	"\[revoke a1b2c\]: the key '.*' issued no certificate with this serial" \
	"$CONCLAVE" run --rehearsal --answers "$T/answers" --out "$T/rv/out" "$T/rv/csca-revoke.ceremony"

# CSCA rekey with a new name
sed 's/^subject.common_name = .*/subject.common_name = CSCA Utopia 2/' "$T/csca.tmpl" >"$T/csca-new.tmpl"
if rehearse rk csca-rekey.ceremony "$T/csca.tmpl" "$T/csca-new.tmpl"; then
	check "csca-rekey: the link verifies under the stand-in old CSCA" \
		openssl verify -CAfile "$T/rk/out/csca-old.pem" "$T/rk/out/csca-link.pem"
fi

# Deviation List
printf '[deviation d]\ntype = DGHashWrong\ndatagroup = 3\ndocument_type = PO\n' >"$T/deviations.conf"
sed -e 's/^key.curve = .*/key.curve = P-256/' -e 's/^key.explicit_parameters = .*/key.explicit_parameters = no/' \
	"$tmpl/dls.tmpl" >"$T/dls.tmpl"
if rehearse dl csca-dls.ceremony "$T/csca.tmpl" "$T/dls.tmpl" "$T/deviations.conf"; then
	check "csca-dls: openssl cms -verify accepts the Deviation List under the stand-in" \
		sh -c "openssl cms -verify -inform DER -in '$T/dl/out/deviationlist.der' -CAfile '$T/dl/out/csca.pem' -purpose any -out /dev/null 2>&1 | grep -q 'Verification successful'"
fi

# EAC: DV certificates and the CVCA rekey
mkdir -p "$T/dvin/dv-requests" "$T/dvin/foreign-cvcas"
python3 "$top_srcdir/tests/shell/cvreq.py" --key "$T/dv.pkcs8" --chr UTDVDOM00001 \
	--car UTCVCAEP00001 "$T/dvin/dv-requests/dv.cvreq"
if rehearse dv cvca-dv.ceremony "$tmpl/cvca.tmpl" "$tmpl/dv.tmpl" "$T/dvin/dv-requests" \
    "$T/dvin/foreign-cvcas"; then
	mkdir -p "$T/trust"; cp "$T/dv/out/cvca.cvcert" "$T/trust/UTCVCAEP00001"
	check "cvca-dv: cvc-print verifies the DV certificate under the stand-in CVCA" \
		sh -c "cvc-print --cvc-dir='$T/trust' --cvc='$T/dv/out/dv-1.cvcert' | grep -qx 'certificate verified'"
fi
sed 's/^holder.sequence = .*/holder.sequence = 00002/' "$tmpl/cvca.tmpl" >"$T/cvca-new.tmpl"
if rehearse cvrk cvca-rekey.ceremony "$tmpl/cvca.tmpl" "$T/cvca-new.tmpl"; then
	rm -rf "$T/trust"; mkdir -p "$T/trust"; cp "$T/cvrk/out/cvca-old.cvcert" "$T/trust/UTCVCAEP00001"
	check "cvca-rekey: cvc-print verifies the link under the stand-in old CVCA" \
		sh -c "cvc-print --cvc-dir='$T/trust' --cvc='$T/cvrk/out/cvca-link.cvcert' | grep -qx 'certificate verified'"
fi

finish
