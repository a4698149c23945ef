/*
 * bcryptprimitives.dll for Wine test prefixes only.
 *
 * Go 1.22+ on Windows calls ProcessPrng from bcryptprimitives.dll at start.
 * Debian's Wine 8 has no such DLL, so keyrelay.exe would die before main.
 * This stand-in exports ProcessPrng and fills the buffer from RtlGenRandom
 * (advapi32's SystemFunction036), which Wine implements over the host's
 * random source. scripts/wine-smoke.sh builds it with mingw-w64 and copies
 * it into the throwaway prefix's system32; it never ships with keyrelay.
 */
#include <windows.h>

typedef BOOLEAN(WINAPI *rtlgenrandom_fn)(PVOID, ULONG);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
	static rtlgenrandom_fn gen;
	if (!gen) {
		HMODULE advapi = LoadLibraryA("advapi32.dll");
		if (!advapi)
			return FALSE;
		gen = (rtlgenrandom_fn)GetProcAddress(advapi, "SystemFunction036");
		if (!gen)
			return FALSE;
	}
	while (len > 0) {
		ULONG n = len > 0x10000000 ? 0x10000000 : (ULONG)len;
		if (!gen(data, n))
			return FALSE;
		data += n;
		len -= n;
	}
	return TRUE;
}

BOOL WINAPI DllMain(HINSTANCE inst, DWORD reason, LPVOID reserved)
{
	(void)inst;
	(void)reason;
	(void)reserved;
	return TRUE;
}
